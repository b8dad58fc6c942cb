package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.report.StatsCommandRunner.Outcome;

class StatsCommandRunnerTest {
    private final StatsCommandRunner runner = new StatsCommandRunner(StatsFixtures.CONTEXT, 2);

    private static StatsOptions options(Integer days, String format, Path export, BigDecimal failAbove,
                                        List<String> by) {
        return new StatsOptions(StatsFixtures.logDir(), days, null, null, null, by, null, null, null, List.of(), format,
                export, false, failAbove);
    }

    @Test
    void ciGateExitsThreeWhenTotalCostIsAboveTheLimit() {
        Outcome o = runner.run(options(4, "json", null, new BigDecimal("33.34"), List.of()));

        assertThat(o.exitCode()).isEqualTo(StatsCommandRunner.ABOVE_LIMIT).isEqualTo(3);
        assertThat(o.stderr()).contains("33.3477775", "above --fail-above-usd 33.34");
        assertThat(o.stdout()).contains("\"total_cost_usd\" : 33.3477775");
    }

    @Test
    void ciGatePassesAtOrBelowTheLimit() {
        assertThat(runner.run(options(4, null, null, new BigDecimal("33.3477775"), List.of())).exitCode()).isZero();
        assertThat(runner.run(options(4, null, null, new BigDecimal("100"), List.of())).exitCode()).isZero();
    }

    @Test
    void defaultOutputIsTheTableAndMentionsSkippedLines() {
        Outcome o = runner.run(options(4, null, null, null, List.of("key")));

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).contains("BY KEY", "$33.35").doesNotContain("SUGGESTIONS");
        assertThat(o.stderr()).contains("skipped 2 malformed");
    }

    @Test
    void withoutByTheTableBreaksDownByPricedModelKeyAndOperation() {
        Outcome o = runner.run(options(4, null, null, null, List.of()));

        String table = o.stdout();
        assertThat(table).contains("BY MODEL", "BY KEY", "BY TAG:OPERATION", "TOK/CALL", "P95", "CACHED");
        assertThat(table.indexOf("BY MODEL")).isLessThan(table.indexOf("BY KEY"));
        // gpt-4o-mini-2024-07-18 is one row with the other gpt-4o-mini calls, under its priced name
        assertThat(table.lines().filter(l -> l.startsWith("  gpt-4o-mini "))).hasSize(1);
        assertThat(table).doesNotContain("gpt-4o-mini-2024-07-18");
    }

    @Test
    void theOperationBreakdownIsLeftOutWhenNoCallCarriesTheTag(@TempDir Path dir) {
        StatsFixtures.writeDay(dir, "2026-11-22",
                StatsFixtures.line("2026-11-22T09:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null));
        StatsOptions o = new StatsOptions(dir, 4, null, null, null, List.of(), null, null, null, List.of(), "json",
                null, false, null);

        String json = runner.run(o).stdout();
        assertThat(json).contains("\"model\" : [", "\"key\" : [").doesNotContain("tag:operation");
    }

    @Test
    void theHeaderAndTheTreeSayWhichFiltersApplied() throws Exception {
        StatsOptions o = new StatsOptions(StatsFixtures.logDir(), 4, null, null, null, List.of(), "storybot", "gpt-4o",
                null, List.of("operation=rag_answer"), null, null, false, null);

        assertThat(runner.run(o).stdout().lines().findFirst().orElseThrow()).isEqualTo("Usage 2026-11-19 to 2026-11-22 "
                + "(UTC), by day; key storybot, model gpt-4o, tag operation=rag_answer");
        JsonNode filters = new ObjectMapper().readTree(runner.run(new StatsOptions(StatsFixtures.logDir(), 4, null,
                null, null, List.of(), null, "gpt-4o", null, List.of(), "json", null, false, null)).stdout()).get("filters");
        assertThat(filters.get("model").asText()).isEqualTo("gpt-4o");
        assertThat(filters.get("key").isNull()).isTrue();
        assertThat(filters.get("tags").size()).isZero();
        assertThat(runner.run(options(4, null, null, null, List.of())).stdout()).contains("(UTC), by day; all calls");
    }

    @Test
    void anExtensionThatContradictsFormatIsRefused(@TempDir Path dir) {
        Outcome o = runner.run(options(4, "json", dir.resolve("r.yaml"), null, List.of()));

        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).isEqualTo("tollgate stats: --export: " + dir.resolve("r.yaml")
                + " (expected: a file whose extension matches --format json, or no --format)\n");
        assertThat(dir.resolve("r.yaml")).doesNotExist();
    }

    @Test
    void anUnwritableExportIsOneLineNamingTheFlagNotAStackTrace(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-folder").resolve("r.json");
        Outcome o = runner.run(options(4, null, missing, null, List.of()));

        assertThat(o.exitCode()).isEqualTo(2);
        assertThat(o.stderr()).isEqualTo("tollgate stats: --export: " + missing + " (expected: a file that can be "
                + "written; its folder " + missing.getParent() + " does not exist)\n");
        assertThat(runner.run(options(4, "json", dir, null, List.of())).stderr()).contains("it is a folder")
                .doesNotContain("Exception");
    }

    @Test
    void anEmptyFolderGetsAHintNotAnAllZeroReport(@TempDir Path dir) {
        Outcome table = runner.run(new StatsOptions(dir, null, null, null, null, List.of(), null, null, null,
                List.of(), null, null, false, null));

        assertThat(table.exitCode()).isZero();
        assertThat(table.stdout()).startsWith("No usage log in " + dir).doesNotContain("Requests");
        Outcome json = runner.run(new StatsOptions(dir, null, null, null, null, List.of(), null, null, null,
                List.of(), "json", null, false, null));
        assertThat(json.stdout()).contains("\"requests\" : 0");
        assertThat(json.stderr()).contains("no usage-YYYY-MM-DD.jsonl files in " + dir);
    }

    @Test
    void aRangeWithoutCallsSaysWhatTheLogHolds() {
        StatsOptions o = new StatsOptions(StatsFixtures.logDir(), null, "2025-01-01", "2025-01-31", null, List.of(),
                null, null, null, List.of(), null, null, false, null);

        assertThat(runner.run(o).stderr()).contains("no calls from 2025-01-01 to 2025-01-31; the log holds 2026-10-01 "
                + "to 2026-11-22");
    }

    @Test
    void exportTakesItsFormatFromTheExtension(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("usage.yaml");
        Outcome o = runner.run(options(4, null, file, null, List.of("model,key")));

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).contains("wrote yaml report", file.toString());
        JsonNode n = new YAMLMapper().readTree(Files.readString(file));
        assertThat(n.at("/groups/model/0/name").asText()).isEqualTo("gpt-4o");
        assertThat(n.at("/groups/key/1/name").asText()).isEqualTo("searcher");
    }

    @Test
    void exportFormatFlagWinsOverTheExtension(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("usage.txt");
        runner.run(options(4, "json", file, null, List.of()));

        assertThat(new ObjectMapper().readTree(Files.readString(file)).at("/summary/requests").asLong()).isEqualTo(10);
    }

    @Test
    void badValuesExitTwoNamingTheOption(@TempDir Path dir) {
        assertThat(runner.run(options(4, "xml", null, null, List.of()))).satisfies(o -> {
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.stderr()).contains("--format: 'xml'", "table, json, yaml, csv or focus");
        });
        assertThat(runner.run(options(4, null, null, null, List.of("color"))).stderr()).contains("--by: 'color'");
        assertThat(runner.run(options(0, null, null, null, List.of())).stderr()).contains("--days: 0");
        assertThat(runner.run(options(4, null, null, null, List.of()).withMinSavings(new BigDecimal("-1"))).stderr())
                .isEqualTo("tollgate stats: --min-savings: -1 (expected: an amount in USD, >= 0)\n");
        assertThat(runner.run(options(4, null, dir.resolve("out.pdf"), null, List.of())).exitCode()).isEqualTo(2);
        StatsOptions both = new StatsOptions(StatsFixtures.logDir(), 3, "2026-11-01", null, null, List.of(), null, null,
                null, List.of(), null, null, false, null);
        assertThat(runner.run(both).exitCode()).isEqualTo(2);
        StatsOptions noDir = StatsOptions.of(dir.resolve("missing"));
        assertThat(runner.run(noDir)).satisfies(o -> {
            assertThat(o.exitCode()).isEqualTo(2);
            assertThat(o.stderr()).contains("--log-dir");
        });
    }

    @Test
    void sinceUntilAndFiltersReachTheQuery() {
        StatsOptions o = new StatsOptions(StatsFixtures.logDir(), null, "2026-11-20", "2026-11-21", "week",
                List.of("tag:operation"), "storybot", null, null, List.of("operation=rag_answer"), "csv", null, true,
                null);

        List<List<String>> rows = StatsFormatterTest.parseCsv(runner.run(o).stdout());
        // storybot's rag_answer calls on the 20th and 21st: 10 + 17.5
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1)).startsWith("tag:operation", "rag_answer", "2", "7500000", "27.5", "1");
    }
}

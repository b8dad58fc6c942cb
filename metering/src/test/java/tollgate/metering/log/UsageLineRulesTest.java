package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tollgate.config.BudgetWindow;
import tollgate.metering.budget.BudgetWindows;
import tollgate.metering.budget.LedgerRebuild;
import tollgate.metering.budget.LocalBudgetStore;
import tollgate.metering.budget.WindowCounter;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.ReportPeriod;
import tollgate.metering.report.StatsCommandRunner;
import tollgate.metering.report.StatsContext;
import tollgate.metering.report.StatsFilter;
import tollgate.metering.report.StatsOptions;
import tollgate.metering.report.StatsQuery;
import tollgate.metering.report.StatsReport;
import tollgate.metering.report.UsageAggregates;

/**
 * The line rules, one table: each line counts the same in {@code stats}, in the in-memory aggregates and in the
 * budget rebuild, because all three read through {@link UsageLogReader}.
 */
class UsageLineRulesTest {
    private static final String DAY = "2026-11-22";
    private static final Clock CLOCK = Clock.fixed(Instant.parse(DAY + "T12:00:00Z"), ZoneOffset.UTC);
    private static final String GOOD = TestRecords.SPEC_EXAMPLE_LINE; // storybot, 1400 tokens, 0.0002775 USD
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a line counts: a call, a skipped line, or nothing (blank). */
    enum Counts {
        CALL, SKIPPED, NOTHING
    }

    @TempDir
    Path dir;

    static Stream<Arguments> lines() {
        return Stream.of(
                row("valid", GOOD, Counts.CALL),
                row("unknown extra fields, nested", GOOD.replace("\"error\":null}",
                        "\"error\":null,\"service_tier\":\"flex\",\"extra\":{\"a\":[1,{\"b\":null}]}}"), Counts.CALL),
                row("null cost (unpriced model)", GOOD.replace("\"cost_usd\":0.0002775", "\"cost_usd\":null"),
                        Counts.CALL),
                row("no total_tokens: input + output", GOOD.replace("\"total_tokens\":1400,", ""), Counts.CALL),
                row("ts with an offset", GOOD.replace("2026-11-22T10:30:45.123Z", "2026-11-22T11:30:45+01:00"),
                        Counts.CALL),
                row("null tags and user", GOOD.replace("\"user\":\"123\"", "\"user\":null")
                        .replace("\"tags\":{\"operation\":\"rag_answer\"}", "\"tags\":null"), Counts.CALL),
                row("huge but under the line limit", GOOD.replace("\"123\"", "\"" + "u".repeat(2 << 20) + "\""),
                        Counts.CALL),
                row("missing ts", GOOD.replace("\"ts\":\"2026-11-22T10:30:45.123Z\",", ""), Counts.SKIPPED),
                row("missing key", GOOD.replace("\"key\":\"storybot\",", ""), Counts.SKIPPED),
                row("empty key", GOOD.replace("\"key\":\"storybot\"", "\"key\":\"\""), Counts.SKIPPED),
                row("missing endpoint", GOOD.replace("\"endpoint\":\"/v1/chat/completions\",", ""), Counts.SKIPPED),
                row("ts not an instant", GOOD.replace("2026-11-22T10:30:45.123Z", "yesterday"), Counts.SKIPPED),
                row("ts an impossible date", GOOD.replace("2026-11-22T10:30:45.123Z", "2026-02-30T10:30:45Z"),
                        Counts.SKIPPED),
                row("tokens as a string", GOOD.replace("\"input_tokens\":1250", "\"input_tokens\":\"1250\""),
                        Counts.SKIPPED),
                row("tokens as a fraction", GOOD.replace("\"output_tokens\":150", "\"output_tokens\":150.5"),
                        Counts.SKIPPED),
                row("negative tokens", GOOD.replace("\"output_tokens\":150", "\"output_tokens\":-150"),
                        Counts.SKIPPED),
                row("cached above input", GOOD.replace("\"cached_input_tokens\":0", "\"cached_input_tokens\":2000"),
                        Counts.SKIPPED),
                row("status as a string", GOOD.replace("\"status\":200", "\"status\":\"200\""), Counts.SKIPPED),
                row("estimated as a string", GOOD.replace("\"estimated\":false", "\"estimated\":\"no\""),
                        Counts.SKIPPED),
                row("cost as a string", GOOD.replace("\"cost_usd\":0.0002775", "\"cost_usd\":\"0.0002775\""),
                        Counts.SKIPPED),
                row("negative cost", GOOD.replace("\"cost_usd\":0.0002775", "\"cost_usd\":-1"), Counts.SKIPPED),
                row("user as a number", GOOD.replace("\"user\":\"123\"", "\"user\":123"), Counts.SKIPPED),
                row("tag value as a number", GOOD.replace("\"operation\":\"rag_answer\"", "\"operation\":7"),
                        Counts.SKIPPED),
                row("non-JSON", "garbage", Counts.SKIPPED),
                row("a JSON array", "[1,2]", Counts.SKIPPED),
                row("two objects on one line", GOOD + GOOD, Counts.SKIPPED),
                row("torn in the middle", GOOD.substring(0, 120), Counts.SKIPPED),
                row("over the 16 MiB line limit", GOOD.replace("\"123\"", "\"" + "u".repeat(17 << 20) + "\""),
                        Counts.SKIPPED),
                Arguments.of("invalid UTF-8 in a value", bytes(GOOD.replace("rag_answer", "rag_\u0000"), (byte) 0xC3),
                        false, Counts.SKIPPED),
                row("blank", "", Counts.NOTHING),
                row("spaces, tab and CR", "  \t\r", Counts.NOTHING),
                Arguments.of("truncated last line, no newline", GOOD.substring(0, 200).getBytes(StandardCharsets.UTF_8),
                        true, Counts.SKIPPED),
                Arguments.of("whole last line, no newline", GOOD.getBytes(StandardCharsets.UTF_8), true, Counts.CALL));
    }

    private static Arguments row(String name, String line, Counts counts) {
        return Arguments.of(name, line.getBytes(StandardCharsets.UTF_8), false, counts);
    }

    /** {@code line}'s UTF-8 with its NUL character replaced by {@code raw}, a byte no UTF-8 text has there. */
    private static byte[] bytes(String line, byte raw) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                b[i] = raw;
            }
        }
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("lines")
    void aLineCountsTheSameInStatsInTheAggregatesAndInTheBudgetRebuild(String name, byte[] line, boolean last,
                                                                        Counts counts) throws IOException {
        // a good call first, so a line that is last in its file really is the last one
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write((GOOD.replace("0.0002775", "1") + "\n").getBytes(StandardCharsets.UTF_8));
        file.write(line);
        if (!last) {
            file.write('\n');
        }
        Files.write(dir.resolve("usage-" + DAY + ".jsonl"), file.toByteArray());
        long calls = 1 + (counts == Counts.CALL ? 1 : 0);
        long skipped = counts == Counts.SKIPPED ? 1 : 0;
        BigDecimal usd = new BigDecimal(counts == Counts.CALL && !name.startsWith("null cost") ? "1.0002775" : "1");

        JsonNode stats = stats();
        assertThat(stats.at("/summary/requests").asLong()).as("stats requests").isEqualTo(calls);
        assertThat(stats.at("/skipped_lines").asLong()).as("stats skipped lines").isEqualTo(skipped);
        assertThat(stats.at("/summary/total_cost_usd").decimalValue()).as("stats cost").isEqualByComparingTo(usd);

        UsageAggregates aggregates = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        aggregates.load(dir);
        LocalDate day = LocalDate.parse(DAY);
        StatsReport fromMemory = aggregates.query(new StatsQuery(day, day, ReportPeriod.DAY, List.of(),
                StatsFilter.NONE, false), StatsContext.of(PricingTable.builtIn(), CLOCK));
        assertThat(fromMemory.summary().requests()).as("aggregates requests").isEqualTo(calls);
        assertThat(fromMemory.skippedLines()).as("aggregates skipped lines").isEqualTo(skipped);
        assertThat(fromMemory.summary().totalCostUsd()).as("aggregates cost").isEqualByComparingTo(usd);

        LocalBudgetStore store = new LocalBudgetStore();
        LedgerRebuild.Result rebuilt = new LedgerRebuild(dir, ZoneOffset.UTC, CLOCK)
                .loadInto(store, EnumSet.of(BudgetWindow.DAILY), 1000);
        assertThat(rebuilt.records()).as("rebuild records").isEqualTo(calls);
        assertThat(rebuilt.malformed()).as("rebuild malformed").isEqualTo(skipped);
        WindowCounter spent = store.read("storybot", List.of(BudgetWindows.slot(BudgetWindow.DAILY, CLOCK.instant(),
                ZoneOffset.UTC)), CLOCK.instant()).join().get(0);
        assertThat(spent.spentUsd()).as("rebuild spend").isEqualByComparingTo(usd);
    }

    private JsonNode stats() throws IOException {
        StatsOptions o = new StatsOptions(dir, null, DAY, DAY, null, List.of(), null, null, null, List.of(), "json",
                null, false, null);
        StatsCommandRunner.Outcome out = new StatsCommandRunner(StatsContext.of(PricingTable.builtIn(), CLOCK), 1).run(o);
        assertThat(out.exitCode()).isEqualTo(StatsCommandRunner.OK);
        return JSON.readTree(out.stdout());
    }
}

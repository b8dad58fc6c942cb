package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.line;
import static tollgate.metering.report.StatsFixtures.writeDay;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.report.StatsCommandRunner.Outcome;
import tollgate.metering.report.StatsReport.Warning;

class SpendWarningsTest {
    private static final StatsQuery TWO_DAYS = new StatsQuery(LocalDate.of(2026, 11, 21), LocalDate.of(2026, 11, 22),
            ReportPeriod.DAY, List.of(), StatsFilter.NONE, false);

    private static List<Warning> warnings(Path dir, StatsQuery q) throws Exception {
        long calls = StatsCalculator.compute(q, LogScope.of(q).read(dir, 1), StatsFixtures.CONTEXT).summary().requests();
        return SpendWarnings.scan(dir, q, calls);
    }

    /** $1 a day for the week of the 14th to the 20th; $4 and a failed $1 on the 21st; $2 on the 22nd. */
    private static void aWeekThenASpike(Path dir) {
        for (int d = 14; d <= 20; d++) {
            writeDay(dir, "2026-11-" + d, line("2026-11-" + d + "T10:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null));
        }
        writeDay(dir, "2026-11-21", line("2026-11-21T10:00:00Z", "app", "gpt-4o", 1, 1, "4", 100, null),
                line("2026-11-21T11:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, "upstream_cut"));
        writeDay(dir, "2026-11-22", line("2026-11-22T10:00:00Z", "app", "gpt-4o", 1, 1, "2", 100, null));
    }

    @Test
    void aDayOverThreeTimesTheMedianOfTheWeekBeforeIsFlaggedWithItsNumbers(@TempDir Path dir) throws Exception {
        aWeekThenASpike(dir);

        List<Warning> spikes = warnings(dir, TWO_DAYS).stream().filter(w -> w.rule().equals("day_spend_spike")).toList();
        // the 21st: $5 > 3 × $1; the 22nd: $2 against a median of $1 (1,1,1,1,1,1,5): not over $3
        assertThat(spikes).singleElement().satisfies(w -> {
            assertThat(w.title()).isEqualTo("key app spent $5.00 on 2026-11-21, 5.0× its usual day");
            assertThat(w.detail()).contains("> 3 × the median $1.00 of the 7 days before ($1.00, $1.00");
            assertThat(w.value()).isEqualByComparingTo("5");
            assertThat(w.threshold()).isEqualByComparingTo("3");
        });
    }

    @Test
    void aModelFailingOverFivePercentOfCallsIsFlagged(@TempDir Path dir) throws Exception {
        aWeekThenASpike(dir);

        assertThat(warnings(dir, TWO_DAYS)).filteredOn(w -> w.rule().equals("error_rate")).singleElement()
                .satisfies(w -> {
                    assertThat(w.title()).isEqualTo("gpt-4o: 33.3% of calls failed");
                    assertThat(w.detail()).isEqualTo("gpt-4o: 1 of 3 calls failed (33.3% > 5.0%): upstream_cut 1");
                });
    }

    @Test
    void theTopTenthOfAPercentOfCallsByTokensAreListed(@TempDir Path dir) throws Exception {
        // 2,000 calls of 1..2,000 tokens, in shuffled order: the top 0.1 % is 2 calls, of 2,000 and 1,999 tokens
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            long tokens = (i * 7919L) % 2000 + 1;
            lines.add(line("2026-11-22T10:00:00Z", "app", "gpt-4o-mini", tokens, 0, "0", 100, null));
        }
        writeDay(dir, "2026-11-22", lines.toArray(String[]::new));

        assertThat(warnings(dir, TWO_DAYS)).filteredOn(w -> w.rule().equals("token_outlier")).singleElement()
                .satisfies(w -> {
                    assertThat(w.title()).isEqualTo("2 calls in the top 0.1 % by tokens");
                    assertThat(w.detail()).startsWith("2 calls of 2,000 (the top 0.1 %) had 1,999 tokens or more: ")
                            .contains("2,000 tokens", "1,999 tokens");
                    assertThat(w.value()).isEqualByComparingTo("2000");
                });
        // under 1,000 calls the top 0.1 % is less than one call: nothing to list
        Path few = dir.resolve("few");
        java.nio.file.Files.createDirectories(few);
        writeDay(few, "2026-11-22", lines.subList(0, 999).toArray(String[]::new));
        assertThat(warnings(few, TWO_DAYS)).noneMatch(w -> w.rule().equals("token_outlier"));
    }

    @Test
    void warningsAreInTheTableAndTheJsonOnlyWhenAsked(@TempDir Path dir) {
        aWeekThenASpike(dir);
        StatsCommandRunner runner = new StatsCommandRunner(StatsFixtures.CONTEXT, 1);
        StatsOptions o = new StatsOptions(dir, null, "2026-11-21", "2026-11-22", null, List.of(), null, null, null,
                List.of(), null, null, false, null);

        assertThat(runner.run(o.withWarnings(true)).stdout()).contains("WARNINGS", "1. key app spent $5.00");
        assertThat(runner.run(o).stdout()).doesNotContain("WARNINGS");
        Outcome json = runner.run(new StatsOptions(dir, null, "2026-11-21", "2026-11-22", null, List.of(), null, null,
                null, List.of(), "json", null, false, null).withWarnings(true));
        assertThat(json.stdout()).contains("\"warnings\" : [", "\"rule\" : \"day_spend_spike\"");
    }
}

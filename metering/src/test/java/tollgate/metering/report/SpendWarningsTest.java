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

    /** {@code n} calls of 1..n tokens each once, in an order that is not theirs (7919 is prime, n is not its multiple). */
    private static List<String> shuffledCalls(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long tokens = (i * 7919L) % n + 1;
            lines.add(line("2026-11-22T10:00:00Z", "app", "gpt-4o-mini", tokens, 0, "0", 100, null));
        }
        return lines;
    }

    @Test
    void theTopTenthOfAPercentOfCallsByTokensAreListed(@TempDir Path dir) throws Exception {
        // 2,000 calls of 1..2,000 tokens, in shuffled order: the top 0.1 % is 2 calls, of 2,000 and 1,999 tokens
        List<String> lines = shuffledCalls(2000);
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

    /**
     * The scan keeps ten days a name, not the range: a spike is judged the same in a year-long range, after a gap
     * of weeks, with a day's last line in the next day's file, and for each of several names.
     */
    @Test
    void spikesAreJudgedDayByDayOverALongRangeWithGapsAndLateLines(@TempDir Path dir) throws Exception {
        // key a: $1 a day in January's first week, then $10 on the 8th (a spike); nothing for weeks; then the week
        // of March 1-7 at $2 and $6 on the 8th (not over 3 × $2); then $30 on March 9th (a spike: median $2)
        for (int d = 1; d <= 7; d++) {
            writeDay(dir, String.format("2026-01-%02d", d), line(String.format("2026-01-%02dT10:00:00Z", d), "a", "gpt-4o", 1, 1, "1", 100, null));
        }
        writeDay(dir, "2026-01-08", line("2026-01-08T10:00:00Z", "a", "gpt-4o", 1, 1, "10", 100, null));
        for (int d = 1; d <= 7; d++) {
            writeDay(dir, String.format("2026-03-%02d", d), line(String.format("2026-03-%02dT10:00:00Z", d), "a", "gpt-4o", 1, 1, "2", 100, null),
                    // key b, the same days: $1 each
                    line(String.format("2026-03-%02dT11:00:00Z", d), "b", "gpt-4o", 1, 1, "1", 100, null));
        }
        // March 8th: a's $6 and b's $2.50; b's call ending at midnight is written in the 9th's file, after the
        // 9th's first line: b's 8th is $2.50 + $1 = $3.50, over 3 × $1
        writeDay(dir, "2026-03-08", line("2026-03-08T10:00:00Z", "a", "gpt-4o", 1, 1, "6", 100, null),
                line("2026-03-08T10:00:00Z", "b", "gpt-4o", 1, 1, "2.5", 100, null));
        writeDay(dir, "2026-03-09", line("2026-03-09T00:00:00.100Z", "b", "gpt-4o", 1, 1, "0.5", 100, null),
                line("2026-03-08T23:59:59.900Z", "b", "gpt-4o", 1, 1, "1", 100, null),
                line("2026-03-09T10:00:00Z", "a", "gpt-4o", 1, 1, "30", 100, null));
        StatsQuery year = new StatsQuery(LocalDate.of(2026, 1, 1), LocalDate.of(2026, 12, 31), ReportPeriod.MONTH,
                List.of(), StatsFilter.NONE, false);

        assertThat(warnings(dir, year)).filteredOn(w -> w.rule().equals("day_spend_spike"))
                .extracting(w -> w.subject() + " " + w.day() + " " + w.value().stripTrailingZeros().toPlainString())
                .containsExactly("a 2026-01-08 10", "a 2026-03-09 30", "b 2026-03-08 3.5");
    }

    @Test
    void theOutliersAreCountedWholeAndTheTenBiggestShown(@TempDir Path dir) throws Exception {
        // 20,000 calls of 1..20,000 tokens, shuffled: the top 0.1 % is 20 calls, of 19,981 tokens and more
        writeDay(dir, "2026-11-22", shuffledCalls(20_000).toArray(String[]::new));

        assertThat(warnings(dir, TWO_DAYS)).filteredOn(w -> w.rule().equals("token_outlier")).singleElement()
                .satisfies(w -> {
                    assertThat(w.title()).isEqualTo("20 calls in the top 0.1 % by tokens");
                    assertThat(w.detail()).startsWith("20 calls of 20,000 (the top 0.1 %) had 19,981 tokens or more: ")
                            .contains("20,000 tokens", "19,991 tokens").doesNotContain("19,990 tokens")
                            .endsWith("; and 10 more");
                    assertThat(w.threshold()).isEqualByComparingTo("19981");
                });
    }

    @Test
    void theHeapKeepsTheLargestValuesOffered() {
        SpendWarnings.LongMinHeap h = new SpendWarnings.LongMinHeap(3);
        java.util.Random r = new java.util.Random(7);
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            long v = r.nextInt(10_000);
            all.add(v);
            h.offer(v);
        }
        all.sort(java.util.Comparator.reverseOrder());
        assertThat(h.size()).isEqualTo(3);
        assertThat(h.min()).isEqualTo(all.get(2));
        assertThat(new SpendWarnings.LongMinHeap(0).offer(5)).isFalse();
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

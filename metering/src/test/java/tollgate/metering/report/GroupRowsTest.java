package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static tollgate.metering.report.StatsFixtures.line;
import static tollgate.metering.report.StatsFixtures.writeDay;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.SeriesPoint;

class GroupRowsTest {
    private static final LocalDate DAY = LocalDate.of(2026, 11, 20);

    private static StatsReport report(Path dir, LocalDate from, LocalDate to, ReportPeriod period, List<GroupBy> by) {
        StatsQuery q = new StatsQuery(from, to, period, by, StatsFilter.NONE, false);
        return StatsCalculator.compute(q, LogScope.of(q).read(dir, 1), StatsFixtures.CONTEXT);
    }

    /** Five gpt-4o-mini calls (two under the dated name, one failed) and one gpt-4o call on 2026-11-20. */
    private static void fiveMiniCallsAndOneGpt4o(Path dir) {
        String dated = "\"model\":\"gpt-4o-mini-2024-07-18\"";
        writeDay(dir, "2026-11-20",
                line("2026-11-20T09:00:00Z", "app", "gpt-4o-mini", 1000, 100, "0.0002", 100, null),
                line("2026-11-20T10:00:00Z", "app", "gpt-4o-mini", 2000, 100, "0.0004", 200, null)
                        .replace("\"model\":\"gpt-4o-mini\"", dated)
                        .replace("\"cached_input_tokens\":0", "\"cached_input_tokens\":1500"),
                line("2026-11-20T11:00:00Z", "app", "gpt-4o-mini", 1000, 300, "0.0003", 250, "upstream_cut"),
                line("2026-11-20T12:00:00Z", "app", "gpt-4o-mini", 500, 100, "0.0001", 400, null)
                        .replace("\"model\":\"gpt-4o-mini\"", dated),
                line("2026-11-20T13:30:00.250Z", "app", "gpt-4o-mini", 500, 0, "0.0001", 5000, null),
                line("2026-11-20T14:00:00Z", "other", "gpt-4o", 100, 10, "0.001", 900, null));
    }

    @Test
    void byModelGroupsThePricedNameAndModelRawTheExactOne(@TempDir Path dir) {
        fiveMiniCallsAndOneGpt4o(dir);

        StatsReport r = report(dir, DAY, DAY, ReportPeriod.DAY,
                List.of(GroupBy.parse("model"), GroupBy.parse("model:raw")));
        assertThat(r.groups().get("model")).extracting(GroupRow::name, GroupRow::requests)
                .containsExactly(tuple("gpt-4o-mini", 5L), tuple("gpt-4o", 1L));
        assertThat(r.groups().get("model:raw")).extracting(GroupRow::name, GroupRow::requests)
                .containsExactly(tuple("gpt-4o", 1L), tuple("gpt-4o-mini", 3L), tuple("gpt-4o-mini-2024-07-18", 2L));
    }

    @Test
    void aGroupRowCarriesTheSplitFailuresLatencyCacheAndItsFirstAndLastCall(@TempDir Path dir) {
        fiveMiniCallsAndOneGpt4o(dir);

        GroupRow mini = report(dir, DAY, DAY, ReportPeriod.DAY, List.of(GroupBy.parse("model")))
                .groups().get("model").get(0);
        assertThat(mini.name()).isEqualTo("gpt-4o-mini");
        assertThat(mini.inputTokens()).isEqualTo(5000);
        assertThat(mini.outputTokens()).isEqualTo(600);
        // 5,600 tokens / 5 calls
        assertThat(mini.avgTokensPerRequest()).isEqualByComparingTo("1120");
        assertThat(mini.totalCostUsd()).isEqualByComparingTo("0.0011");
        assertThat(mini.errorRequests()).isEqualTo(1);
        assertThat(mini.successRequests()).isEqualTo(4);
        // durations 100, 200, 250, 400, 5000 ms: the 3rd (250) is in the bucket up to 300; the 5th is 5000
        assertThat(mini.p50DurationMs()).isEqualTo(300);
        assertThat(mini.p95DurationMs()).isEqualTo(5000);
        // 1,500 cached of 5,000 input tokens
        assertThat(mini.cacheHitRate()).isEqualByComparingTo("0.3");
        assertThat(mini.firstTs()).isEqualTo(Instant.parse("2026-11-20T09:00:00Z"));
        assertThat(mini.lastTs()).isEqualTo(Instant.parse("2026-11-20T13:30:00.250Z"));
    }

    @Test
    void theAggregatesGiveTheSameRowsAsTheLog(@TempDir Path dir) throws Exception {
        fiveMiniCallsAndOneGpt4o(dir);
        UsageAggregates live = new UsageAggregates(UsageAggregates.Caps.DEFAULT,
                java.time.Clock.fixed(Instant.parse("2026-11-20T23:00:00Z"), java.time.ZoneOffset.UTC));
        new tollgate.metering.log.UsageLogReader(dir).read(DAY, DAY, l -> live.add(l.toRecord()));
        StatsQuery q = new StatsQuery(DAY, DAY, ReportPeriod.DAY, List.of(GroupBy.parse("model")), StatsFilter.NONE,
                false);

        assertThat(live.query(q, StatsFixtures.CONTEXT).groups())
                .isEqualTo(report(dir, DAY, DAY, ReportPeriod.DAY, List.of(GroupBy.parse("model"))).groups());
    }

    @Test
    void weekBucketsAreClippedToTheRange(@TempDir Path dir) {
        // Wednesday 2026-11-18 to Tuesday 2026-11-24: part of two ISO weeks
        writeDay(dir, "2026-11-18", line("2026-11-18T09:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null));
        writeDay(dir, "2026-11-23", line("2026-11-23T09:00:00Z", "app", "gpt-4o", 1, 1, "2", 100, null));

        List<SeriesPoint> series = report(dir, LocalDate.of(2026, 11, 18), LocalDate.of(2026, 11, 24),
                ReportPeriod.WEEK, List.of()).series();
        assertThat(series).containsExactly(
                new SeriesPoint(LocalDate.of(2026, 11, 18), 1, 2, new BigDecimal("1")),
                new SeriesPoint(LocalDate.of(2026, 11, 23), 1, 2, new BigDecimal("2")));
    }

    @Test
    void theTableFoldsDaysWithoutCalls(@TempDir Path dir) {
        writeDay(dir, "2026-11-01", line("2026-11-01T09:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null));
        writeDay(dir, "2026-11-14", line("2026-11-14T09:00:00Z", "app", "gpt-4o", 1, 1, "2", 100, null));

        String table = StatsFormatter.table(report(dir, LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 15),
                ReportPeriod.DAY, List.of()));
        assertThat(table).contains("2026-11-01", "… 12 days without calls …", "2026-11-14", "… 1 day without calls …")
                .doesNotContain("2026-11-02");
    }

    @Test
    void aTagBreakdownReadsAsASessionReportInTheTable(@TempDir Path dir) {
        String session = "\"tags\":{\"session\":\"s-1\"}";
        writeDay(dir, "2026-11-20",
                line("2026-11-20T09:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null).replace("\"tags\":{}", session),
                line("2026-11-20T11:05:30Z", "app", "gpt-4o", 1, 1, "1", 100, "upstream_cut").replace("\"tags\":{}", session));

        StatsReport r = report(dir, DAY, DAY, ReportPeriod.DAY, List.of(GroupBy.parse("tag:session")));
        GroupRow s1 = r.groups().get("tag:session").get(0);
        assertThat(s1.successRequests()).isEqualTo(1);
        assertThat(s1.errorRequests()).isEqualTo(1);
        assertThat(StatsFormatter.table(r)).contains("FIRST (UTC)", "SPAN")
                .containsPattern("s-1 .* 2026-11-20 09:00:00  2h 05m");
    }
}

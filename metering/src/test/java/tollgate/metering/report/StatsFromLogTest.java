package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.FROM;
import static tollgate.metering.report.StatsFixtures.TODAY;
import static tollgate.metering.report.StatsFixtures.fromLog;
import static tollgate.metering.report.StatsFixtures.query;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.SeriesPoint;
import tollgate.metering.report.StatsReport.Summary;

class StatsFromLogTest {

    private static BigDecimal usd(String v) {
        return new BigDecimal(v);
    }

    @Test
    void totalsMatchTheHandComputedFixtureToTheLastDecimal() {
        Summary s = fromLog(query(List.of(), StatsFilter.NONE, false)).summary();

        assertThat(s.requests()).isEqualTo(10);
        assertThat(s.inputTokens()).isEqualTo(72_051_350);
        assertThat(s.cachedInputTokens()).isEqualTo(2_000_000);
        assertThat(s.outputTokens()).isEqualTo(2_250_160);
        assertThat(s.reasoningTokens()).isEqualTo(1000);
        assertThat(s.totalTokens()).isEqualTo(74_301_510);
        // 10 + 0.2775 + 0.2 + 17.5 + 0.24 + 3.5 + 1 + 0.63 + 0.0002775 (the mystery model is unpriced)
        assertThat(s.totalCostUsd()).isEqualByComparingTo("33.3477775");
        assertThat(s.totalCostUsd().toPlainString()).isEqualTo("33.3477775");
        assertThat(s.estimatedRequests()).isEqualTo(2);
        assertThat(s.errorRequests()).isEqualTo(2);
        assertThat(s.unpricedRequests()).isEqualTo(1);
        assertThat(s.avgTokensPerRequest()).isEqualByComparingTo("7430151");
        assertThat(s.avgCostPerRequestUsd()).isEqualByComparingTo("3.33477775");
    }

    @Test
    void seriesBucketsByTheCallsUtcDateNotByTheFileItSitsIn() {
        List<SeriesPoint> series = fromLog(query(List.of(), StatsFilter.NONE, false)).series();

        assertThat(series).containsExactly(
                new SeriesPoint(FROM, 2, 53_300_000, usd("1.63")),
                new SeriesPoint(LocalDate.of(2026, 11, 20), 3, 13_900_000, usd("10.4775")),
                // the mystery-model call is in the 22nd's file, dated 23:59:59.9 on the 21st
                new SeriesPoint(LocalDate.of(2026, 11, 21), 3, 6_000_110, usd("17.74")),
                new SeriesPoint(TODAY, 2, 1_101_400, usd("3.5002775")));
    }

    @Test
    void malformedLinesAreSkippedAndCountedAndBlankLinesAreNot() {
        StatsReport r = fromLog(query(List.of(), StatsFilter.NONE, false));

        // the torn line and "[1,2]" in usage-2026-11-21.jsonl
        assertThat(r.skippedLines()).isEqualTo(2);
    }

    @Test
    void filesOutsideTheRangeAreNotRead() {
        StatsQuery october = new StatsQuery(LocalDate.of(2026, 10, 1), LocalDate.of(2026, 10, 31), ReportPeriod.DAY,
                List.of(), StatsFilter.NONE, false);

        assertThat(fromLog(october).summary().totalCostUsd()).isEqualByComparingTo("2.5");
        assertThat(fromLog(query(List.of(), StatsFilter.NONE, false)).summary().requests()).isEqualTo(10);
    }

    @Test
    void gzippedRotatedDayIsRead() {
        StatsQuery day = new StatsQuery(FROM, FROM, ReportPeriod.DAY, List.of(), StatsFilter.NONE, false);

        Summary s = fromLog(day).summary();
        assertThat(s.requests()).isEqualTo(2);
        assertThat(s.totalCostUsd()).isEqualByComparingTo("1.63");
    }

    @Test
    void aTruncatedGzipKeepsItsReadableLinesAndCountsTheDamage(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(StatsFixtures.logDir().resolve("usage-2026-11-19.jsonl.gz"));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        String line = new String(new GZIPInputStream(new ByteArrayInputStream(whole)).readAllBytes(),
                StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (int i = 0; i < 200; i++) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] bytes = gz.toByteArray();
        // cut off the end of the deflate stream and its trailer, as a crash during rotation would
        Files.write(dir.resolve("usage-2026-11-19.jsonl.gz"), Arrays.copyOf(bytes, bytes.length - 20));
        StatsQuery q = new StatsQuery(FROM, FROM, ReportPeriod.DAY, List.of(), StatsFilter.NONE, false);

        StatsReport r = StatsCalculator.compute(q, LogScope.of(q).read(dir, 1), StatsFixtures.CONTEXT);
        assertThat(r.skippedLines()).isEqualTo(1);
        assertThat(r.summary().requests()).isBetween(1L, 199L);
        assertThat(r.summary().totalCostUsd()).isEqualByComparingTo(BigDecimal.valueOf(r.summary().requests()));
    }

    @Test
    void groupsByKeyCarryCostAndShareOfCost() {
        List<GroupRow> keys = fromLog(query(List.of(GroupBy.of(Dimension.KEY)), StatsFilter.NONE, false))
                .groups().get("key");

        assertThat(keys).extracting(GroupRow::name, GroupRow::requests, GroupRow::totalTokens, GroupRow::totalCostUsd,
                GroupRow::costShare).containsExactly(
                org.assertj.core.groups.Tuple.tuple("storybot", 7L, 13_301_510L, usd("31.9077775"), usd("0.9568")),
                org.assertj.core.groups.Tuple.tuple("searcher", 3L, 61_000_000L, usd("1.44"), usd("0.0432")));
    }

    @Test
    void severalGroupingsAtOnceEachGetTheirList() {
        StatsReport r = fromLog(query(List.of(GroupBy.of(Dimension.MODEL), GroupBy.parse("tag:operation"),
                GroupBy.of(Dimension.USER), GroupBy.of(Dimension.ENDPOINT)), StatsFilter.NONE, false));

        assertThat(r.groups()).containsOnlyKeys("model", "tag:operation", "user", "endpoint");
        // by priced name; the unpriced call by its own
        assertThat(r.groups().get("model")).extracting(GroupRow::name).containsExactly("gpt-4o",
                "text-embedding-3-small", "gpt-4o-mini", "mystery-model");
        assertThat(r.groups().get("tag:operation")).extracting(GroupRow::name, GroupRow::totalCostUsd)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("rag_answer", usd("31.0002775")),
                        org.assertj.core.groups.Tuple.tuple(GroupBy.NONE, usd("1.44")),
                        org.assertj.core.groups.Tuple.tuple("summarize", usd("0.9075")));
        assertThat(r.groups().get("endpoint")).extracting(GroupRow::name)
                .containsExactly("/v1/chat/completions", "/v1/embeddings");
    }

    @Test
    void filtersSelectByKeyModelUserAndTag() {
        assertThat(fromLog(query(List.of(), new StatsFilter("searcher", null, null, Map.of()), false))
                .summary().totalCostUsd()).isEqualByComparingTo("1.44");
        // --model gpt-4o finds the dated gpt-4o-2024-08-06 through priced_as, and not gpt-4o-mini
        assertThat(fromLog(query(List.of(), new StatsFilter(null, "gpt-4o", null, Map.of()), false))
                .summary().totalCostUsd()).isEqualByComparingTo("31");
        assertThat(fromLog(query(List.of(), new StatsFilter(null, null, "u1", Map.of()), false))
                .summary().requests()).isEqualTo(4);
        assertThat(fromLog(query(List.of(), new StatsFilter(null, null, null, Map.of("Operation", "summarize")), false))
                .summary().totalCostUsd()).isEqualByComparingTo("0.9075");
    }

    @Test
    void weeklyAndMonthlySeriesUseIsoWeeksAndCalendarMonths() {
        StatsQuery weeks = new StatsQuery(FROM, TODAY, ReportPeriod.WEEK, List.of(), StatsFilter.NONE, false);
        // 2026-11-19 is a Thursday: its ISO week starts Monday the 16th, clipped to the range's first day
        assertThat(fromLog(weeks).series()).containsExactly(
                new SeriesPoint(FROM, 10, 74_301_510, usd("33.3477775")));

        StatsQuery months = new StatsQuery(LocalDate.of(2026, 10, 1), TODAY, ReportPeriod.MONTH, List.of(),
                StatsFilter.NONE, false);
        assertThat(fromLog(months).series()).extracting(SeriesPoint::start, SeriesPoint::totalCostUsd).containsExactly(
                org.assertj.core.groups.Tuple.tuple(LocalDate.of(2026, 10, 1), usd("2.5")),
                org.assertj.core.groups.Tuple.tuple(LocalDate.of(2026, 11, 1), usd("33.3477775")));
    }

    @Test
    void projectionIsMonthToDatePlusDailyAverageTimesDaysLeft() {
        StatsReport.Projection p = fromLog(query(List.of(), StatsFilter.NONE, false)).projection();

        assertThat(p.daysCounted()).isEqualTo(4);
        assertThat(p.dailyAverageUsd()).isEqualByComparingTo("8.336944375");
        assertThat(p.monthToDateUsd()).isEqualByComparingTo("33.3477775");
        assertThat(p.daysLeftInMonth()).isEqualTo(8);
        // 33.3477775 + 8.336944375 × 8
        assertThat(p.monthEndUsd()).isEqualByComparingTo("100.0433325");
        assertThat(p.detail()).contains("× 8 days left", "/ 4 days");
    }

    @Test
    void emptyRangeGivesZerosAndAFullSeries() {
        StatsQuery q = new StatsQuery(LocalDate.of(2025, 1, 1), LocalDate.of(2025, 1, 3), ReportPeriod.DAY, List.of(),
                StatsFilter.NONE, true);

        StatsReport r = fromLog(q);
        assertThat(r.summary().requests()).isZero();
        assertThat(r.summary().totalCostUsd()).isEqualByComparingTo("0");
        assertThat(r.series()).hasSize(3).allSatisfy(p -> assertThat(p.requests()).isZero());
        assertThat(r.suggestions()).isEmpty();
    }
}

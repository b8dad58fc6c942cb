package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.TODAY;
import static tollgate.metering.report.StatsFixtures.line;
import static tollgate.metering.report.StatsFixtures.writeDay;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.report.StatsReport.Projection;

class ProjectionTest {

    private static Projection last30Days(Path dir) {
        StatsQuery q = StatsQuery.lastDays(30, TODAY);
        return StatsCalculator.compute(q, LogScope.of(q).read(dir, 1), StatsFixtures.CONTEXT).projection();
    }

    @Test
    void aOneDayLogProjectsAtThatDaysPaceNotAThirtiethOfIt(@TempDir Path dir) {
        // logging began today, 2026-11-22: the 29 days before it are no data, not days of zero spend
        writeDay(dir, "2026-11-22", line("2026-11-22T08:00:00Z", "k", "gpt-4o", 1, 1, "40", 100, null),
                line("2026-11-22T09:00:00Z", "k", "gpt-4o", 1, 1, "1.29", 100, null));

        Projection p = last30Days(dir);
        assertThat(p.daysWithData()).isEqualTo(1);
        assertThat(p.daysCounted()).isEqualTo(30);
        assertThat(p.dailyAverageUsd()).isEqualByComparingTo("41.29");
        assertThat(p.monthToDateUsd()).isEqualByComparingTo("41.29");
        // 41.29 + 41.29 × 8 days left in November
        assertThat(p.monthEndUsd()).isEqualByComparingTo("371.61");
        assertThat(p.basis()).isEqualTo("1 day with calls (2026-11-22) of 30 days from 2026-10-24 to 2026-11-22");
        assertThat(p.detail()).contains("$41.29 / 1 day with calls", "× 8 days left in 2026-11");
    }

    @Test
    void theAverageIsOverDaysWithCallsAndMonthToDateOnlyOverThisMonth(@TempDir Path dir) {
        writeDay(dir, "2026-10-30", line("2026-10-30T08:00:00Z", "k", "gpt-4o", 1, 1, "6", 100, null));
        writeDay(dir, "2026-11-10", line("2026-11-10T08:00:00Z", "k", "gpt-4o", 1, 1, "10", 100, null));
        writeDay(dir, "2026-11-22", line("2026-11-22T08:00:00Z", "k", "gpt-4o", 1, 1, "14", 100, null));

        Projection p = last30Days(dir);
        // (6 + 10 + 14) / 3 days with calls
        assertThat(p.daysWithData()).isEqualTo(3);
        assertThat(p.dailyAverageUsd()).isEqualByComparingTo("10");
        // November so far: 10 + 14; plus 10 × 8 days left
        assertThat(p.monthToDateUsd()).isEqualByComparingTo("24");
        assertThat(p.monthEndUsd()).isEqualByComparingTo("104");
        assertThat(p.basis()).startsWith("3 days with calls (2026-10-30 to 2026-11-22)");
    }

    @Test
    void noCallsProjectsZeroAndSaysSo(@TempDir Path dir) {
        Projection p = last30Days(dir);

        assertThat(p.daysWithData()).isZero();
        assertThat(p.monthEndUsd()).isEqualByComparingTo("0");
        assertThat(p.basis()).isEqualTo("no calls from 2026-10-24 to 2026-11-22");
    }

    @Test
    void jsonCarriesDaysWithDataAndBasis(@TempDir Path dir) throws Exception {
        writeDay(dir, "2026-11-22", line("2026-11-22T08:00:00Z", "k", "gpt-4o", 1, 1, "2", 100, null));
        StatsQuery q = StatsQuery.lastDays(30, TODAY);
        String json = StatsFormatter.json(StatsCalculator.compute(q, LogScope.of(q).read(dir, 1),
                StatsFixtures.CONTEXT));

        var n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("projection");
        assertThat(n.get("days_with_data").asLong()).isEqualTo(1);
        assertThat(n.get("basis").asText()).startsWith("1 day with calls");
        assertThat(List.of(n.get("daily_average_usd").decimalValue().toPlainString())).containsExactly("2");
    }
}

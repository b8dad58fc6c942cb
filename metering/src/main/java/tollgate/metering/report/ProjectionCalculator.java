package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.NavigableMap;
import tollgate.metering.report.StatsReport.Projection;

/**
 * The spend projection: the pace (the range's cost / the days in it that have calls, up to today), and this
 * month's end as {@code month_to_date + pace × days left after today}.
 *
 * <p>Why days with calls, not the range's days: on a young log the days before logging began are no spend of
 * zero, and dividing by them understated a one-day log's pace thirty-fold (issue 18). Today counts as a whole day
 * although it is not over, so the pace leans low early in the day. Month-to-date only sums days inside the range
 * and the filters: a range that starts after the 1st, or ends before today, projects from what it covers.
 */
final class ProjectionCalculator {
    private ProjectionCalculator() {
    }

    static Projection project(StatsAccumulator acc, LocalDate today) {
        StatsQuery q = acc.query;
        LocalDate lastCounted = q.to().isAfter(today) ? today : q.to();
        long daysCounted = lastCounted.isBefore(q.from()) ? q.days() : ChronoUnit.DAYS.between(q.from(), lastCounted) + 1;
        NavigableMap<LocalDate, BigDecimal> withData = lastCounted.isBefore(q.from()) ? acc.costByDay
                : acc.costByDay.headMap(lastCounted, true);
        long daysWithData = withData.size();
        BigDecimal total = BigDecimal.ZERO;
        for (BigDecimal day : withData.values()) {
            total = total.add(day);
        }
        BigDecimal average = Amounts.divide(total, daysWithData, Amounts.DIVISION_SCALE);

        BigDecimal monthToDate = BigDecimal.ZERO;
        for (BigDecimal day : acc.costByDay.subMap(today.withDayOfMonth(1), true, today, true).values()) {
            monthToDate = monthToDate.add(day);
        }
        monthToDate = Amounts.plain(monthToDate);
        long daysLeft = today.lengthOfMonth() - today.getDayOfMonth();
        BigDecimal monthEnd = Amounts.plain(monthToDate.add(average.multiply(BigDecimal.valueOf(daysLeft))));

        String basis = daysWithData == 0 ? "no calls from " + q.from() + " to " + lastCounted
                : days(daysWithData) + " with calls (" + withData.firstKey()
                + (daysWithData == 1 ? "" : " to " + withData.lastKey()) + ") of " + days(daysCounted) + " from "
                + q.from() + " to " + lastCounted;
        String detail = "month_end_usd = month_to_date " + Amounts.usd(monthToDate) + " + daily_average "
                + Amounts.usd(average) + " × " + daysLeft + " days left in " + YearMonth.from(today)
                + " = " + Amounts.usd(monthEnd) + "; daily_average = " + Amounts.usd(Amounts.plain(total)) + " / "
                + days(daysWithData) + " with calls; month_to_date sums the days of the range from "
                + today.withDayOfMonth(1) + " to " + today;
        return new Projection(average, monthEnd, monthToDate, daysCounted, daysLeft, detail, daysWithData, basis);
    }

    private static String days(long n) {
        return n + (n == 1 ? " day" : " days");
    }
}

package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import tollgate.metering.report.StatsReport.Projection;

/**
 * The spend projection: the range's daily average, and this month's end as
 * {@code month_to_date + daily_average × days left after today}.
 *
 * <p>The average divides by the range's days up to today (a range reaching past today would otherwise be
 * diluted by days that have not happened); today counts as a whole day although it is not over, so the
 * average leans low early in the day. Month-to-date only sums days inside the range and the filters:
 * a range that starts after the 1st, or ends before today, projects from what it covers.
 */
final class ProjectionCalculator {
    private ProjectionCalculator() {
    }

    static Projection project(StatsAccumulator acc, LocalDate today) {
        StatsQuery q = acc.query;
        LocalDate lastCounted = q.to().isAfter(today) ? today : q.to();
        long daysCounted = lastCounted.isBefore(q.from()) ? q.days() : ChronoUnit.DAYS.between(q.from(), lastCounted) + 1;
        BigDecimal total = acc.summary.costUsd();
        BigDecimal average = Amounts.divide(total, daysCounted, Amounts.DIVISION_SCALE);

        BigDecimal monthToDate = BigDecimal.ZERO;
        for (BigDecimal day : acc.costByDay.subMap(today.withDayOfMonth(1), true, today, true).values()) {
            monthToDate = monthToDate.add(day);
        }
        monthToDate = Amounts.plain(monthToDate);
        long daysLeft = today.lengthOfMonth() - today.getDayOfMonth();
        BigDecimal monthEnd = Amounts.plain(monthToDate.add(average.multiply(BigDecimal.valueOf(daysLeft))));

        String detail = "month_end_usd = month_to_date " + Amounts.usd(monthToDate) + " + daily_average "
                + Amounts.usd(average) + " × " + daysLeft + " days left in " + YearMonth.from(today)
                + " = " + Amounts.usd(monthEnd) + "; daily_average = " + Amounts.usd(Amounts.plain(total)) + " / "
                + daysCounted + (daysCounted == 1 ? " day" : " days") + " (" + q.from() + " to " + lastCounted
                + "); month_to_date sums the days of the range from " + today.withDayOfMonth(1) + " to " + today;
        return new Projection(average, monthEnd, monthToDate, daysCounted, daysLeft, detail);
    }
}

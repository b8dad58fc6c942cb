package tollgate.metering.report;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** The bucket size of a report's series: UTC days, ISO weeks (from Monday) or calendar months. */
public enum ReportPeriod {
    DAY, WEEK, MONTH;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The first day of the bucket holding {@code day}. */
    public LocalDate start(LocalDate day) {
        return switch (this) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
        };
    }

    /** The first day of the bucket after the one starting at {@code start} (a bucket's first day). */
    public LocalDate next(LocalDate start) {
        return switch (this) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
    }

    /** Parses {@code day|week|month}, or the seed apps' {@code daily|weekly|monthly}. */
    public static ReportPeriod parse(String value) {
        for (ReportPeriod p : values()) {
            if (p.id().equals(value) || p.adverb().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("period: '" + value + "' (expected: day, week or month; or daily, weekly, "
                + "monthly)");
    }

    private String adverb() {
        return this == DAY ? "daily" : id() + "ly";
    }
}

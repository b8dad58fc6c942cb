package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Turns the CLI's and the admin API's range, filter and grouping parameters into a {@link StatsQuery}. */
final class StatsQueryParser {
    private StatsQueryParser() {
    }

    record Range(LocalDate from, LocalDate to) {
    }

    static StatsQuery parse(Function<String, List<String>> params, LocalDate today) {
        @Nullable String days = last(params, "days");
        @Nullable String since = last(params, "since");
        @Nullable String until = last(params, "until");
        Range range = range(days == null ? null : parseDays(days), since == null ? null : parseDate("since", since),
                until == null ? null : parseDate("until", until), today);

        @Nullable String period = last(params, "period");
        List<GroupBy> by = new ArrayList<>();
        for (String v : params.apply("by")) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) {
                    GroupBy g = GroupBy.parse(part);
                    if (!by.contains(g)) {
                        by.add(g);
                    }
                }
            }
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (String t : params.apply("tag")) {
            Map.Entry<String, String> e = StatsFilter.parseTag(t);
            tags.put(e.getKey(), e.getValue());
        }
        StatsFilter filter = new StatsFilter(blankToNull(last(params, "key")), blankToNull(last(params, "model")),
                blankToNull(last(params, "user")), tags);
        @Nullable String suggestions = last(params, "suggestions");
        @Nullable String minSavings = last(params, "min_savings");
        return new StatsQuery(range.from(), range.to(), period == null ? ReportPeriod.DAY : ReportPeriod.parse(period),
                by, filter, suggestions == null || parseBoolean("suggestions", suggestions),
                minSavings == null ? StatsQuery.DEFAULT_MIN_SAVINGS_USD : parseUsd("min_savings", minSavings));
    }

    /**
     * The inclusive UTC date range: {@code days} (the last N days, today included) or {@code since}/{@code until}
     * ({@code until} defaults to today); neither gives the last {@value StatsQuery#DEFAULT_DAYS} days.
     */
    static Range range(@Nullable Integer days, @Nullable LocalDate since, @Nullable LocalDate until, LocalDate today) {
        if (days != null) {
            if (since != null || until != null) {
                throw new IllegalArgumentException("days: " + days + " (expected: either days or since/until, not both)");
            }
            if (days < 1 || days > StatsQuery.MAX_DAYS) {
                throw new IllegalArgumentException("days: " + days + " (expected: 1.." + StatsQuery.MAX_DAYS + ")");
            }
            return new Range(today.minusDays(days - 1L), today);
        }
        if (since == null && until != null) {
            throw new IllegalArgumentException("until: " + until + " (expected: with since)");
        }
        if (since == null) {
            return new Range(today.minusDays(StatsQuery.DEFAULT_DAYS - 1L), today);
        }
        LocalDate to = until == null ? today : until;
        if (since.isAfter(to)) {
            throw new IllegalArgumentException("since: " + since + " (expected: on or before " + to + ")");
        }
        return new Range(since, to);
    }

    static LocalDate parseDate(String name, String value) {
        try {
            return LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: a date YYYY-MM-DD)", e);
        }
    }

    private static int parseDays(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("days: '" + value + "' (expected: 1.." + StatsQuery.MAX_DAYS + ")", e);
        }
    }

    private static BigDecimal parseUsd(String name, String value) {
        try {
            return new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": '" + value + "' (expected: an amount in USD, >= 0)", e);
        }
    }

    static boolean parseBoolean(String name, String value) {
        return switch (value.trim()) {
            case "true", "1", "yes", "" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(name + ": '" + value + "' (expected: true or false)");
        };
    }

    private static @Nullable String last(Function<String, List<String>> params, String name) {
        List<String> values = params.apply(name);
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    private static @Nullable String blankToNull(@Nullable String v) {
        return v == null || v.isBlank() ? null : v;
    }
}

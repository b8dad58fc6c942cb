package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * What a {@code stats} report covers: an inclusive range of UTC dates, the series period, the groupings,
 * the filters and whether suggestions are computed.
 *
 * <p>Built by the CLI from its options, or by {@link #parse} from {@code /admin/usage}'s query string.
 */
public record StatsQuery(LocalDate from, LocalDate to, ReportPeriod period, List<GroupBy> by, StatsFilter filter,
                         boolean suggestions, BigDecimal minSavingsUsd) {
    /** Suggestions saving less than this over the period are not shown: a cent is not worth a reader's time. */
    public static final BigDecimal DEFAULT_MIN_SAVINGS_USD = new BigDecimal("0.01");

    /** The range when none is given: the last 30 days, today included. */
    public static final int DEFAULT_DAYS = 30;
    /**
     * The CLI's groupings when {@code --by} is not given: where the money went by model (priced name), by key and
     * by the {@code operation} tag (dropped from the report when no call in range carries it).
     */
    public static final GroupBy BY_OPERATION = new GroupBy(Dimension.TAG, "operation");
    public static final List<GroupBy> DEFAULT_BY = List.of(GroupBy.of(Dimension.MODEL), GroupBy.of(Dimension.KEY),
            BY_OPERATION);
    /** Ten years: a bound on the series' length and on the work one request can ask for. */
    public static final int MAX_DAYS = 3660;

    public StatsQuery {
        if (from.isAfter(to)) {
            throw new IllegalArgumentException("since: " + from + " (expected: on or before until " + to + ")");
        }
        long days = ChronoUnit.DAYS.between(from, to) + 1;
        if (days > MAX_DAYS) {
            throw new IllegalArgumentException("range: " + days + " days (expected: <= " + MAX_DAYS + ")");
        }
        by = List.copyOf(by);
        if (new HashSet<>(by).size() != by.size()) {
            throw new IllegalArgumentException("by: " + by + " (expected: each grouping once)");
        }
        if (minSavingsUsd.signum() < 0) {
            throw new IllegalArgumentException("min-savings: " + minSavingsUsd.toPlainString() + " (expected: >= 0)");
        }
    }

    /** A query hiding suggestions below {@link #DEFAULT_MIN_SAVINGS_USD}. */
    public StatsQuery(LocalDate from, LocalDate to, ReportPeriod period, List<GroupBy> by, StatsFilter filter,
                      boolean suggestions) {
        this(from, to, period, by, filter, suggestions, DEFAULT_MIN_SAVINGS_USD);
    }

    /** The last {@code days} days up to and including {@code today}, by day, no groups, no filter. */
    public static StatsQuery lastDays(int days, LocalDate today) {
        return new StatsQuery(StatsQueryParser.range(days, null, null, today).from(), today, ReportPeriod.DAY,
                List.of(), StatsFilter.NONE, false);
    }

    /**
     * Parses {@code /admin/usage}'s parameters: {@code days, since, until, key, model, user, tag (NAME=VALUE),
     * by (comma-separated), period, suggestions (default true), min_savings (USD, default 0.01)}. Unknown parameters are ignored.
     *
     * @throws IllegalArgumentException naming the parameter, the value and what is accepted (answer 400)
     */
    public static StatsQuery parse(Map<String, String> params, LocalDate today) {
        return StatsQueryParser.parse(key -> {
            String v = params.get(key);
            return v == null ? List.of() : List.of(v);
        }, today);
    }

    /**
     * {@code /admin/usage}'s {@code warnings} parameter (default false): add {@link SpendWarnings}' {@code warnings}
     * array to the answer, as {@code stats --warnings} does.
     *
     * @throws IllegalArgumentException for a value other than true or false (answer 400)
     */
    public static boolean warningsAsked(Map<String, String> params) {
        String v = params.get("warnings");
        return v != null && StatsQueryParser.parseBoolean("warnings", v);
    }

    /** As {@link #parse}, for decoders that keep repeated parameters ({@code by=key&by=model}). */
    public static StatsQuery parseMulti(Map<String, List<String>> params, LocalDate today) {
        return StatsQueryParser.parse(key -> params.getOrDefault(key, List.of()), today);
    }

    /** The same query restricted to one key: {@code /tollgate/v1/usage} answers a caller about itself only. */
    public StatsQuery onlyKey(String key) {
        return new StatsQuery(from, to, period, by, filter.withKey(key), suggestions, minSavingsUsd);
    }

    public StatsQuery withMinSavings(BigDecimal usd) {
        return new StatsQuery(from, to, period, by, filter, suggestions, usd);
    }

    public StatsQuery withSuggestions(boolean on) {
        return new StatsQuery(from, to, period, by, filter, on, minSavingsUsd);
    }

    public long days() {
        return ChronoUnit.DAYS.between(from, to) + 1;
    }
}

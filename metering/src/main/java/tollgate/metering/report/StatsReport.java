package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;

/**
 * The {@code stats} tree of SPEC 8, computed once and rendered by {@link StatsFormatter} in any format.
 *
 * @param groups by grouping name ({@code model}, {@code tag:operation}) in the query's order
 * @param skippedLines log lines in the range that were not a readable usage record
 * @param filters which calls the report counts (the query's filter)
 * @param whatIf the period re-priced ({@link WhatIf}); null when not asked
 * @param warnings unusual patterns ({@code --warnings}); null when not asked
 */
public record StatsReport(LocalDate from, LocalDate to, ReportPeriod period, Summary summary,
                          List<SeriesPoint> series, Map<String, List<GroupRow>> groups, Projection projection,
                          List<Suggestion> suggestions, long skippedLines, StatsFilter filters,
                          WhatIf.@Nullable Result whatIf, @Nullable List<Warning> warnings) {
    public StatsReport {
        series = List.copyOf(series);
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        suggestions = List.copyOf(suggestions);
        warnings = warnings == null ? null : List.copyOf(warnings);
    }

    public StatsReport withWarnings(List<Warning> found) {
        return new StatsReport(from, to, period, summary, series, groups, projection, suggestions, skippedLines,
                filters, whatIf, found);
    }

    /** This report without the grouping {@code name} when all its calls fall in {@link GroupBy#NONE}. */
    public StatsReport withoutUnusedGroup(String name) {
        List<GroupRow> rows = groups.get(name);
        if (rows == null || !rows.stream().allMatch(r -> r.name().equals(GroupBy.NONE))) {
            return this;
        }
        Map<String, List<GroupRow>> kept = new LinkedHashMap<>(groups);
        kept.remove(name);
        return new StatsReport(from, to, period, summary, series, kept, projection, suggestions, skippedLines, filters,
                whatIf, warnings);
    }

    /**
     * Totals of the calls in range.
     *
     * @param avgTokensPerRequest total tokens / requests, to 2 decimals
     * @param avgCostPerRequestUsd total cost / requests, to 10 decimals
     * @param errorRequests calls whose {@code error} is not null
     * @param unpricedRequests calls with {@code cost_usd: null} (no price for their model)
     * @param units SPEC 12's units besides text tokens, summed
     */
    public record Summary(long requests, long inputTokens, long cachedInputTokens, long outputTokens,
                          long reasoningTokens, long totalTokens, BigDecimal totalCostUsd,
                          BigDecimal avgTokensPerRequest, BigDecimal avgCostPerRequestUsd,
                          long estimatedRequests, long errorRequests, long unpricedRequests, UnitCounts units) {
    }

    /**
     * One bucket of the series: a day, an ISO week from its Monday, or a calendar month from its 1st; the first
     * bucket starts at the range's first day and the last ends with the range, so no bucket counts days outside it.
     */
    public record SeriesPoint(LocalDate start, long requests, long totalTokens, BigDecimal totalCostUsd,
                              UnitCounts units) {
        public SeriesPoint(LocalDate start, long requests, long totalTokens, BigDecimal totalCostUsd) {
            this(start, requests, totalTokens, totalCostUsd, UnitCounts.ZERO);
        }
    }

    /**
     * One group of a grouping.
     *
     * @param costShare this group's cost / the report's total cost, 0..1 to 4 decimals
     * @param avgTokensPerRequest total tokens / requests, to 2 decimals
     * @param errorRequests calls whose {@code error} is not null; {@code successRequests} the others
     * @param p50DurationMs the bucket bound ({@link Durations}) at or under which half the calls took
     * @param p95DurationMs the same for 95 % of the calls
     * @param cacheHitRate cached input tokens / input tokens, 0..1 to 4 decimals
     * @param firstTs the first call's {@code ts} (to the millisecond); null for the {@code other} row of no calls
     */
    public record GroupRow(String name, long requests, long totalTokens, BigDecimal totalCostUsd,
                           BigDecimal costShare, long inputTokens, long outputTokens, BigDecimal avgTokensPerRequest,
                           long errorRequests, long successRequests, long p50DurationMs, long p95DurationMs,
                           BigDecimal cacheHitRate, @Nullable Instant firstTs, @Nullable Instant lastTs,
                           UnitCounts units) {
        public GroupRow(String name, long requests, long totalTokens, BigDecimal totalCostUsd, BigDecimal costShare,
                        long inputTokens, long outputTokens, BigDecimal avgTokensPerRequest, long errorRequests,
                        long successRequests, long p50DurationMs, long p95DurationMs, BigDecimal cacheHitRate,
                        @Nullable Instant firstTs, @Nullable Instant lastTs) {
            this(name, requests, totalTokens, totalCostUsd, costShare, inputTokens, outputTokens, avgTokensPerRequest,
                    errorRequests, successRequests, p50DurationMs, p95DurationMs, cacheHitRate, firstTs, lastTs,
                    UnitCounts.ZERO);
        }
    }

    /**
     * Where spend is heading: {@code month_end = month_to_date + daily_average × days_left_in_month}.
     *
     * @param dailyAverageUsd the cost of the range's days up to today / {@code days_with_data}
     * @param daysCounted the range's days up to today
     * @param monthToDateUsd the cost on the range's days that fall in today's month, today included
     * @param daysLeftInMonth the days after today until the end of today's month
     * @param detail the formula with its numbers
     * @param daysWithData the days of the range up to today that have calls: the average's divisor
     * @param basis which days the average is over, in words
     */
    public record Projection(BigDecimal dailyAverageUsd, BigDecimal monthEndUsd, BigDecimal monthToDateUsd,
                             long daysCounted, long daysLeftInMonth, String detail, long daysWithData, String basis) {
    }

    /**
     * One unusual pattern and the numbers behind it.
     *
     * @param rule {@code day_spend_spike, token_outlier, error_rate}
     * @param value what was seen: a day's spend, the biggest call's tokens, an error rate
     * @param threshold what it is over: 3 × the median day, the top 0.1 %'s smallest tokens, 0.05
     * @param scope what {@code subject} names: {@code key} (a key id, never a key), {@code user} or {@code model}
     * @param subject the key id or user that spent, the key id of the biggest call, the model that failed
     * @param day the day spent on ({@code day_spend_spike}); null for the others, which cover the report's range
     */
    public record Warning(String rule, String title, String detail, BigDecimal value, BigDecimal threshold,
                          String scope, String subject, @Nullable LocalDate day) {
    }

    /**
     * One suggestion; its detail shows its arithmetic from the log and the price table.
     *
     * @param rule a stable id: {@code cheaper_model, prompt_heavy, prompt_caching, estimated_usage,
     *             failed_calls, budget_pace}
     * @param potentialSavingsUsd null when the log gives no basis for a dollar figure
     */
    public record Suggestion(String rule, String title, String detail, @Nullable BigDecimal potentialSavingsUsd,
                             String action) {
    }
}

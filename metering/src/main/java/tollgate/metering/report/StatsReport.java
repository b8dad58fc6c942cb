package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code stats} tree of SPEC 8, computed once and rendered by {@link StatsFormatter} in any format.
 *
 * @param groups by grouping name ({@code model}, {@code tag:operation}) in the query's order
 * @param skippedLines log lines in the range that were not a readable usage record
 */
public record StatsReport(LocalDate from, LocalDate to, ReportPeriod period, Summary summary,
                          List<SeriesPoint> series, Map<String, List<GroupRow>> groups, Projection projection,
                          List<Suggestion> suggestions, long skippedLines) {
    public StatsReport {
        series = List.copyOf(series);
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        suggestions = List.copyOf(suggestions);
    }

    /**
     * Totals of the calls in range.
     *
     * @param avgTokensPerRequest total tokens / requests, to 2 decimals
     * @param avgCostPerRequestUsd total cost / requests, to 10 decimals
     * @param errorRequests calls whose {@code error} is not null
     * @param unpricedRequests calls with {@code cost_usd: null} (no price for their model)
     */
    public record Summary(long requests, long inputTokens, long cachedInputTokens, long outputTokens,
                          long reasoningTokens, long totalTokens, BigDecimal totalCostUsd,
                          BigDecimal avgTokensPerRequest, BigDecimal avgCostPerRequestUsd,
                          long estimatedRequests, long errorRequests, long unpricedRequests) {
    }

    /** One bucket of the series: a day, an ISO week from its Monday, or a calendar month from its 1st. */
    public record SeriesPoint(LocalDate start, long requests, long totalTokens, BigDecimal totalCostUsd) {
    }

    /**
     * One group of a grouping.
     *
     * @param costShare this group's cost / the report's total cost, 0..1 to 4 decimals
     */
    public record GroupRow(String name, long requests, long totalTokens, BigDecimal totalCostUsd,
                           BigDecimal costShare) {
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

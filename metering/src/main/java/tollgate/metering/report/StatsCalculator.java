package tollgate.metering.report;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.metering.report.StatsAccumulator.GroupTally;
import tollgate.metering.report.StatsReport.GroupRow;
import tollgate.metering.report.StatsReport.SeriesPoint;
import tollgate.metering.report.StatsReport.Suggestion;
import tollgate.metering.report.StatsReport.Summary;

/**
 * Computes the {@code stats} tree of a query from per-day cells: the one computation behind both
 * {@code tollgate stats} (cells read from the log) and {@code /admin/usage} (cells kept in memory).
 */
public final class StatsCalculator {
    /** Rows per grouping; the rest, the cheapest, are summed into one {@code other} row. */
    public static final int MAX_GROUP_ROWS = 1000;

    private static final Comparator<GroupRow> BY_COST =
            Comparator.comparing(GroupRow::totalCostUsd).reversed()
                    .thenComparing(Comparator.comparingLong(GroupRow::requests).reversed())
                    .thenComparing(GroupRow::name);

    private StatsCalculator() {
    }

    /**
     * The report of a query from the usage log in {@code dir}, keeping only the dimensions it needs and the calls its
     * filter passes ({@code tollgate stats}; a key's own report when the aggregates folded it). Blocks on file IO.
     *
     * @param threads files read at once
     */
    public static StatsReport fromLog(Path dir, StatsQuery query, StatsContext context, int threads) {
        return compute(query, LogScope.of(query).read(dir, threads), context);
    }

    public static StatsReport compute(StatsQuery query, CellSource source, StatsContext context) {
        StatsAccumulator acc = new StatsAccumulator(query);
        source.forEachCell(query.from(), query.to(), query.filter().key(), acc);
        BigDecimal total = Amounts.plain(acc.summary.costUsd());

        Map<String, List<GroupRow>> groups = new LinkedHashMap<>();
        for (GroupBy by : query.by()) {
            groups.put(by.name(), rows(acc.groups.get(by), total));
        }
        List<Suggestion> suggestions = query.suggestions() ? suggestions(acc, context) : List.of();
        return new StatsReport(query.from(), query.to(), query.period(), summary(acc), series(acc), groups,
                ProjectionCalculator.project(acc, context.today()), suggestions,
                source.skippedLines(query.from(), query.to()), query.filter(), WhatIfPricing.answer(acc, context.whatIf()),
                null);
    }

    private static Summary summary(StatsAccumulator acc) {
        Tally t = acc.summary;
        return new Summary(t.requests(), t.inputTokens(), t.cachedInputTokens(), t.outputTokens(),
                t.reasoningTokens(), t.totalTokens(), Amounts.plain(t.costUsd()),
                Amounts.divide(BigDecimal.valueOf(t.totalTokens()), t.requests(), 2),
                Amounts.divide(t.costUsd(), t.requests(), Amounts.DIVISION_SCALE),
                t.estimatedRequests(), acc.errorRequests, t.unpricedRequests(), t.units());
    }

    private static List<SeriesPoint> series(StatsAccumulator acc) {
        List<SeriesPoint> points = new ArrayList<>(acc.series.size());
        for (Map.Entry<LocalDate, Tally> e : acc.series.entrySet()) {
            Tally t = e.getValue();
            points.add(new SeriesPoint(e.getKey(), t.requests(), t.totalTokens(), Amounts.plain(t.costUsd()), t.units()));
        }
        return points;
    }

    private static List<GroupRow> rows(Map<String, GroupTally> named, BigDecimal total) {
        List<GroupRow> rows = new ArrayList<>(named.size());
        named.forEach((name, g) -> rows.add(row(name, g, total)));
        rows.sort(BY_COST);
        if (rows.size() <= MAX_GROUP_ROWS) {
            return rows;
        }
        GroupTally rest = new GroupTally();
        List<GroupRow> kept = new ArrayList<>(MAX_GROUP_ROWS);
        for (GroupRow r : rows) {
            if (kept.size() < MAX_GROUP_ROWS - 1 && !r.name().equals(StatsAccumulator.OTHER)) {
                kept.add(r);
            } else {
                rest.add(named.get(r.name()));
            }
        }
        kept.add(row(StatsAccumulator.OTHER, rest, total));
        kept.sort(BY_COST);
        return kept;
    }

    private static GroupRow row(String name, GroupTally g, BigDecimal total) {
        Tally t = g.total;
        return new GroupRow(name, t.requests(), t.totalTokens(), Amounts.plain(t.costUsd()),
                Amounts.share(t.costUsd(), total), t.inputTokens(), t.outputTokens(),
                Amounts.divide(BigDecimal.valueOf(t.totalTokens()), t.requests(), 2), g.errorRequests,
                t.requests() - g.errorRequests, t.durationPercentileMs(0.5), t.durationPercentileMs(0.95),
                Amounts.share(t.cachedInputTokens(), t.inputTokens()), t.firstTs(), t.lastTs(), t.units());
    }

    private static List<Suggestion> suggestions(StatsAccumulator acc, StatsContext context) {
        List<Suggestion> all = new ArrayList<>();
        all.addAll(ModelSuggestions.cheaperModels(acc, context.prices()));
        all.addAll(ModelSuggestions.promptCaching(acc, context.prices()));
        all.addAll(SpendSuggestions.promptHeavyGroups(acc, context.prices()));
        all.addAll(SpendSuggestions.estimatedUsage(acc));
        all.addAll(SpendSuggestions.failedCalls(acc));
        all.addAll(BudgetPaceSuggestions.find(acc.query.filter(), context));
        BigDecimal min = acc.query.minSavingsUsd();
        all.removeIf(s -> s.potentialSavingsUsd() != null && s.potentialSavingsUsd().compareTo(min) < 0);
        // biggest savings first; rules without a dollar figure keep their order after them (the sort is stable)
        all.sort(Comparator.comparing(Suggestion::potentialSavingsUsd,
                Comparator.nullsLast(Comparator.reverseOrder())));
        return all;
    }
}

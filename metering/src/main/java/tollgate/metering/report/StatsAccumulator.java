package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sums the cells a query selects into the totals, series buckets, groups and per-model and per-error tallies
 * that the report and its suggestion rules are built from.
 */
final class StatsAccumulator implements CellSource.CellVisitor {
    /** Past this many distinct names in one grouping, further names count as {@code other}. */
    static final int MAX_TRACKED_GROUPS = 100_000;
    static final String OTHER = "other";
    /** An estimated call without an error: the upstream finished but reported no usage (SPEC 5). */
    static final String NO_USAGE_REPORTED = "no usage reported";

    /**
     * A group's totals, its failed calls and, for the prompt-heavy rule, the tokens per priced model of its calls
     * to endpoints that generate from a prompt ({@link #generatesFromPrompt}).
     */
    static final class GroupTally {
        final Tally total = new Tally();
        long errorRequests;
        final Map<String, Tally> byPricedAs = new TreeMap<>();

        void add(GroupTally other) {
            total.add(other.total);
            errorRequests += other.errorRequests;
        }
    }

    final StatsQuery query;
    /** The query's groupings, or the keys when it has none: the prompt-heavy rule looks at these. */
    final List<GroupBy> groupings;
    final Tally summary = new Tally();
    long errorRequests;
    final TreeMap<LocalDate, Tally> series = new TreeMap<>();
    final Map<GroupBy, Map<String, GroupTally>> groups = new LinkedHashMap<>();
    final Map<String, Tally> byPricedAs = new TreeMap<>();
    /** Calls without a price in the log, by their model's own name: a what-if pricing file may price them. */
    final Map<String, Tally> unpricedByModel = new TreeMap<>();
    final Map<String, Tally> byError = new TreeMap<>();
    final Map<String, Long> estimatedByReason = new TreeMap<>();
    final TreeMap<LocalDate, BigDecimal> costByDay = new TreeMap<>();

    /**
     * Whether advice about prompts and generated text fits the endpoint's calls: chat, responses, completions and
     * messages do; an embedding is all input by nature, and "send fewer chunks" is no advice for it (issue 18).
     */
    static boolean generatesFromPrompt(String endpoint) {
        return endpoint.endsWith("/chat/completions") || endpoint.endsWith("/responses")
                || endpoint.endsWith("/completions") || endpoint.endsWith("/messages");
    }

    StatsAccumulator(StatsQuery query) {
        this.query = query;
        List<GroupBy> g = new ArrayList<>(query.by());
        if (g.isEmpty()) {
            g.add(GroupBy.of(Dimension.KEY));
        }
        this.groupings = List.copyOf(g);
        for (GroupBy by : groupings) {
            groups.put(by, new HashMap<>());
        }
        ReportPeriod period = query.period();
        for (LocalDate start = query.from(); !start.isAfter(query.to()); start = period.next(period.start(start))) {
            series.put(start, new Tally());
        }
    }

    /** Every call with a model, by its priced name, or its own when it had no price: what a pricing file re-prices. */
    Map<String, Tally> byModelForRepricing() {
        Map<String, Tally> all = new TreeMap<>();
        byPricedAs.forEach((m, t) -> all.put(m, t.copy()));
        unpricedByModel.forEach((m, t) -> all.computeIfAbsent(m, x -> new Tally()).add(t));
        return all;
    }

    /** The series bucket of {@code day}: its period's, clipped to the range (a week does not start before it). */
    private LocalDate bucket(LocalDate day) {
        LocalDate start = query.period().start(day);
        return start.isBefore(query.from()) ? query.from() : start;
    }

    @Override
    public void visit(LocalDate day, CellKey key, Tally tally) {
        if (day.isBefore(query.from()) || day.isAfter(query.to()) || !query.filter().matches(key)) {
            return;
        }
        summary.add(tally);
        series.get(bucket(day)).add(tally);
        costByDay.merge(day, tally.costUsd(), BigDecimal::add);
        if (key.error() != null) {
            errorRequests += tally.requests();
            byError.computeIfAbsent(key.error(), e -> new Tally()).add(tally);
        }
        if (tally.estimatedRequests() > 0) {
            String reason = key.error() == null ? NO_USAGE_REPORTED : key.error();
            estimatedByReason.merge(reason, tally.estimatedRequests(), Long::sum);
        }
        if (key.pricedAs() != null) {
            byPricedAs.computeIfAbsent(key.pricedAs(), m -> new Tally()).add(tally);
        } else if (key.model() != null) {
            unpricedByModel.computeIfAbsent(key.model(), m -> new Tally()).add(tally);
        }
        for (Map.Entry<GroupBy, Map<String, GroupTally>> e : groups.entrySet()) {
            Map<String, GroupTally> named = e.getValue();
            String name = e.getKey().groupOf(key);
            if (!named.containsKey(name) && named.size() >= MAX_TRACKED_GROUPS) {
                name = OTHER;
            }
            GroupTally group = named.computeIfAbsent(name, n -> new GroupTally());
            group.total.add(tally);
            if (key.error() != null) {
                group.errorRequests += tally.requests();
            }
            if (key.pricedAs() != null && generatesFromPrompt(key.endpoint())) {
                group.byPricedAs.computeIfAbsent(key.pricedAs(), m -> new Tally()).add(tally);
            }
        }
    }
}

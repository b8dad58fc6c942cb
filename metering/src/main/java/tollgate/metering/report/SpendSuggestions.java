package tollgate.metering.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.ModelPrice;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.StatsAccumulator.GroupTally;
import tollgate.metering.report.StatsReport.Suggestion;

/** Suggestions about where the money goes: prompt-heavy groups, estimated usage, and spend on failed calls. */
final class SpendSuggestions {
    /** A group is prompt-heavy when input tokens make more than this share of its cost at table prices. */
    static final BigDecimal PROMPT_HEAVY_SHARE = new BigDecimal("0.80");
    /** At most this many prompt-heavy groups per grouping, the largest input cost first. */
    static final int MAX_PROMPT_HEAVY = 5;
    private static final int MODELS_SHOWN = 3;

    private SpendSuggestions() {
    }

    private record Heavy(String grouping, String name, BigDecimal input, BigDecimal output, BigDecimal share,
                         String parts) {
    }

    /**
     * Groups of the query's groupings (the keys when it has none) whose input tokens are over 80% of their
     * cost, both sides priced through the table for each model the group used, long-context tier included; only
     * their calls to endpoints that generate from a prompt count. A group of the same calls as one already named
     * under an earlier grouping (one key, one model, one operation) is the same finding and is not repeated; a
     * group whose whole input cost is under {@code min_savings} is not worth the advice.
     */
    static List<Suggestion> promptHeavyGroups(StatsAccumulator acc, PricingTable prices) {
        List<Suggestion> out = new ArrayList<>();
        Set<List<Object>> named = new HashSet<>();
        for (Map.Entry<GroupBy, Map<String, GroupTally>> grouping : acc.groups.entrySet()) {
            List<Heavy> heavy = new ArrayList<>();
            grouping.getValue().forEach((name, g) -> {
                Heavy h = name.equals(GroupBy.NONE) ? null : heavy(grouping.getKey().name(), name, g, prices);
                if (h != null && h.input().compareTo(acc.query.minSavingsUsd()) >= 0 && named.add(sameCalls(g))) {
                    heavy.add(h);
                }
            });
            heavy.sort(Comparator.comparing(Heavy::input).reversed().thenComparing(Heavy::name));
            for (Heavy h : heavy.subList(0, Math.min(MAX_PROMPT_HEAVY, heavy.size()))) {
                String detail = h.grouping() + " " + h.name() + ": input tokens cost " + Amounts.usd(h.input())
                        + " of " + Amounts.usd(h.input().add(h.output())) + " at table prices ("
                        + Amounts.usd(h.input()) + " / " + Amounts.usd(h.input().add(h.output())) + " = "
                        + Amounts.percent(h.share()) + "; output " + Amounts.usd(h.output()) + "). " + h.parts();
                out.add(new Suggestion("prompt_heavy", "Prompts drive the cost of " + h.grouping() + " " + h.name()
                        + " (" + Amounts.percent(h.share()) + " input)", detail, null,
                        "Send less per call: a shorter system prompt, fewer retrieved chunks, summarized history;"
                                + " keep the repeated part first so it can be cached."));
            }
        }
        return out;
    }

    /** What tells two groups of the same calls apart from two groups of different ones, as far as sums can. */
    private static List<Object> sameCalls(GroupTally g) {
        List<Object> sums = new ArrayList<>();
        g.byPricedAs.forEach((model, t) -> sums.addAll(List.of(model, t.requests(), t.inputTokens(),
                t.cachedInputTokens(), t.outputTokens(), t.costUsd().stripTrailingZeros())));
        return sums;
    }

    private static @Nullable Heavy heavy(String grouping, String name, GroupTally g, PricingTable prices) {
        BigDecimal input = BigDecimal.ZERO;
        BigDecimal output = BigDecimal.ZERO;
        StringJoiner parts = new StringJoiner("; ", "Input per model: ", ".");
        int shown = 0;
        for (Map.Entry<String, Tally> e : g.byPricedAs.entrySet()) {
            @Nullable PricedModel priced = prices.resolve(e.getKey());
            @Nullable TieredUsage calls = priced == null ? null : TieredUsage.of(e.getValue(), priced.price());
            if (calls == null) {
                continue;
            }
            ModelPrice p = priced.price();
            TieredUsage in = calls.inputOnly();
            BigDecimal inCost = in.cost(p);
            input = input.add(inCost);
            output = output.add(calls.outputOnly().cost(p));
            if (shown++ < MODELS_SHOWN) {
                parts.add(e.getKey() + " " + in.arithmetic(p) + " per 1M = " + Amounts.usd(inCost));
            }
        }
        if (shown > MODELS_SHOWN) {
            parts.add("and " + (shown - MODELS_SHOWN) + " more models");
        }
        BigDecimal whole = input.add(output);
        if (whole.signum() == 0) {
            return null;
        }
        BigDecimal share = input.divide(whole, 6, RoundingMode.HALF_EVEN);
        if (share.compareTo(PROMPT_HEAVY_SHARE) <= 0) {
            return null;
        }
        return new Heavy(grouping, name, Amounts.plain(input), Amounts.plain(output), share, parts.toString());
    }

    /** How many calls carry tollgate's own token counts, why, and how much of the cost rests on them. */
    static List<Suggestion> estimatedUsage(StatsAccumulator acc) {
        Tally s = acc.summary;
        if (s.estimatedRequests() == 0) {
            return List.of();
        }
        BigDecimal callShare = Amounts.share(s.estimatedRequests(), s.requests());
        StringJoiner reasons = new StringJoiner(", ");
        acc.estimatedByReason.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> reasons.add(Amounts.count(e.getValue()) + " " + e.getKey()));
        String detail = Amounts.count(s.estimatedRequests()) + " of " + Amounts.count(s.requests()) + " calls ("
                + Amounts.percent(callShare) + ") have estimated token counts, costing "
                + Amounts.usd(s.estimatedCostUsd()) + " of " + Amounts.usd(s.costUsd()) + " ("
                + Amounts.percent(Amounts.share(s.estimatedCostUsd(), s.costUsd())) + "): " + reasons
                + ". The upstream reported no usage for them, so tollgate counted the prompt and the streamed text"
                + " with the model's tokenizer; the provider's invoice can differ for these calls.";
        boolean noUsage = acc.estimatedByReason.containsKey(StatsAccumulator.NO_USAGE_REPORTED);
        String action = noUsage
                ? "Keep inject_stream_usage on (the default) so streams report exact usage; check for clients"
                        + " or upstreams that strip stream_options."
                : "Disconnects and cut streams can only be estimated; see why clients leave mid-stream"
                        + " (client timeouts shorter than generation time).";
        return List.of(new Suggestion("estimated_usage", Amounts.percent(callShare) + " of calls have estimated usage",
                detail, null, action));
    }

    /** Spend on calls that ended with an error: paid for, and not delivered as intended. */
    static List<Suggestion> failedCalls(StatsAccumulator acc) {
        BigDecimal spent = BigDecimal.ZERO;
        long calls = 0;
        StringJoiner parts = new StringJoiner("; ");
        List<Map.Entry<String, Tally>> errors = new ArrayList<>(acc.byError.entrySet());
        errors.sort(Comparator.comparing((Map.Entry<String, Tally> e) -> e.getValue().costUsd()).reversed()
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, Tally> e : errors) {
            Tally t = e.getValue();
            if (t.costUsd().signum() == 0) {
                continue;
            }
            spent = spent.add(t.costUsd());
            calls += t.requests();
            parts.add(e.getKey() + ": " + Amounts.calls(t.requests()) + ", " + Amounts.usd(t.costUsd()));
        }
        if (spent.signum() <= 0) {
            return List.of();
        }
        spent = Amounts.plain(spent);
        String detail = Amounts.calls(calls) + " that ended with an error cost " + Amounts.usd(spent) + " ("
                + Amounts.percent(Amounts.share(spent, acc.summary.costUsd())) + " of " + Amounts.usd(acc.summary.costUsd())
                + "): " + parts + ".";
        return List.of(new Suggestion("failed_calls", Amounts.usd(spent) + " spent on failed calls", detail, spent,
                "Find why these calls fail (client timeouts shorter than generation, retries of cut streams);"
                        + " tokens generated before a disconnect are billed."));
    }
}

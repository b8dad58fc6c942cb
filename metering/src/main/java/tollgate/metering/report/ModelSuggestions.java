package tollgate.metering.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.ModelPrice;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.StatsReport.Suggestion;

/** Suggestions about models: a cheaper alternative from the price table, and prompt caching left unused. */
final class ModelSuggestions {
    /** Below this share of cached tokens on cacheable prompts, caching is considered unused. */
    static final BigDecimal LOW_CACHED_SHARE = new BigDecimal("0.10");

    private ModelSuggestions() {
    }

    /**
     * The same calls priced through {@link tollgate.metering.pricing.CostCalculator} at the model's
     * {@code cheaper_alternative}, long-context tier included, against their logged cost. Silent when the sums cannot
     * place the calls on either side of the alternative's long-context threshold (see {@link Tally#above}).
     */
    static List<Suggestion> cheaperModels(StatsAccumulator acc, PricingTable prices) {
        List<Suggestion> out = new ArrayList<>();
        for (Map.Entry<String, Tally> e : acc.byPricedAs.entrySet()) {
            String model = e.getKey();
            Tally t = e.getValue();
            @Nullable PricedModel own = prices.resolve(model);
            @Nullable String alt = own == null ? null : own.price().cheaperAlternative();
            @Nullable PricedModel altModel = alt == null ? null : prices.resolve(alt);
            if (altModel == null || altModel.name().equals(own.name())) {
                continue;
            }
            ModelPrice altPrice = altModel.price();
            @Nullable TieredUsage calls = TieredUsage.of(t, altPrice);
            if (calls == null) {
                continue;
            }
            BigDecimal altCost = calls.cost(altPrice);
            BigDecimal saving = Amounts.plain(t.costUsd().subtract(altCost));
            if (saving.signum() <= 0) {
                continue;
            }
            String detail = model + ": " + Amounts.calls(t.requests()) + " with "
                    + Amounts.count(t.inputTokens()) + " input tokens (" + Amounts.count(t.cachedInputTokens())
                    + " cached) and " + Amounts.count(t.outputTokens()) + " output tokens cost "
                    + Amounts.usd(t.costUsd()) + " in the log. At " + alt + "'s prices per 1M tokens: "
                    + calls.arithmetic(altPrice) + " = " + Amounts.usd(altCost) + ". Difference: "
                    + Amounts.usd(t.costUsd()) + " − " + Amounts.usd(altCost) + " = " + Amounts.usd(saving) + ".";
            out.add(new Suggestion("cheaper_model", "Try " + alt + " for " + model + " calls", detail, saving,
                    "Evaluate " + alt + " on a sample of these calls and route the ones it handles well to it"
                            + " (by key or tag); the saving assumes all of them move."));
        }
        return out;
    }

    /**
     * Models with a cached-input price whose long prompts are rarely cached: the saving if half of those
     * prompt tokens were cached, an upper bound since only a repeated prefix can be.
     */
    static List<Suggestion> promptCaching(StatsAccumulator acc, PricingTable prices) {
        List<Suggestion> out = new ArrayList<>();
        for (Map.Entry<String, Tally> e : acc.byPricedAs.entrySet()) {
            String model = e.getKey();
            Tally t = e.getValue();
            @Nullable PricedModel priced = prices.resolve(model);
            long input = t.cacheablePromptInputTokens();
            long cached = t.cacheablePromptCachedTokens();
            if (priced == null || input == 0 || !cachingDiscounts(priced.price())) {
                continue;
            }
            BigDecimal share = BigDecimal.valueOf(cached).divide(BigDecimal.valueOf(input), 6,
                    RoundingMode.HALF_EVEN);
            if (share.compareTo(LOW_CACHED_SHARE) >= 0) {
                continue;
            }
            ModelPrice p = priced.price();
            @Nullable TieredUsage prompts = TieredUsage.cacheablePrompts(t, p);
            if (prompts == null) {
                continue;
            }
            TieredUsage half = prompts.halfCached();
            BigDecimal now = prompts.cost(p);
            BigDecimal then = half.cost(p);
            BigDecimal saving = Amounts.plain(now.subtract(then));
            if (saving.signum() <= 0) {
                continue;
            }
            long more = half.cachedInputTokens() - cached;
            String detail = model + ": " + Amounts.calls(t.cacheablePromptRequests()) + " had prompts of "
                    + Amounts.count(Tally.CACHEABLE_PROMPT_TOKENS) + " tokens or more, " + Amounts.count(input)
                    + " input tokens of which " + Amounts.count(cached) + " (" + Amounts.percent(share)
                    + ") were cached: " + prompts.arithmetic(p) + " per 1M = " + Amounts.usd(now)
                    + ". If half were cached (" + Amounts.count(half.cachedInputTokens()) + " tokens, "
                    + Amounts.count(more) + " more): "
                    + half.arithmetic(p) + " = " + Amounts.usd(then) + ", " + Amounts.usd(saving)
                    + " less. This is an upper bound: only a prefix repeated across calls can be cached.";
            out.add(new Suggestion("prompt_caching", "Use prompt caching for " + model + " (upper bound "
                    + Amounts.usd(saving) + ")", detail, saving,
                    "Put the stable part of each prompt first (system message, tools, examples) and the varying"
                            + " part last, so OpenAI's automatic caching of repeated 1,024+ token prefixes applies."));
        }
        return out;
    }

    /** Whether the model bills cached input below its input price, at its base prices. */
    private static boolean cachingDiscounts(ModelPrice p) {
        return p.cachedInput() != null && p.cachedInput().compareTo(p.input()) < 0;
    }
}

package tollgate.metering.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.report.StatsReport.Suggestion;

/** Suggestions about models: a cheaper alternative from the price table, and prompt caching left unused. */
final class ModelSuggestions {
    /** Below this share of cached tokens on cacheable prompts, caching is considered unused. */
    static final BigDecimal LOW_CACHED_SHARE = new BigDecimal("0.10");

    private ModelSuggestions() {
    }

    /** The same tokens priced at the model's {@code cheaper_alternative}, against their logged cost. */
    static List<Suggestion> cheaperModels(StatsAccumulator acc, PriceLookup prices) {
        List<Suggestion> out = new ArrayList<>();
        for (Map.Entry<String, Tally> e : acc.byPricedAs.entrySet()) {
            String model = e.getKey();
            Tally t = e.getValue();
            @Nullable ModelPrices own = prices.prices(model);
            if (own == null || own.cheaperAlternative() == null || own.cheaperAlternative().equals(model)) {
                continue;
            }
            String alt = own.cheaperAlternative();
            @Nullable ModelPrices altPrices = prices.prices(alt);
            if (altPrices == null) {
                continue;
            }
            BigDecimal altCost = altPrices.cost(t.inputTokens(), t.cachedInputTokens(), t.outputTokens());
            BigDecimal saving = Amounts.plain(t.costUsd().subtract(altCost));
            if (saving.signum() <= 0) {
                continue;
            }
            String detail = model + ": " + Amounts.calls(t.requests()) + " with "
                    + Amounts.count(t.inputTokens()) + " input tokens (" + Amounts.count(t.cachedInputTokens())
                    + " cached) and " + Amounts.count(t.outputTokens()) + " output tokens cost "
                    + Amounts.usd(t.costUsd()) + " in the log. At " + alt + "'s prices per 1M tokens ("
                    + Amounts.usd(altPrices.input()) + " input, " + Amounts.usd(altPrices.cachedInputOrInput())
                    + " cached input, " + Amounts.usd(altPrices.output()) + " output): "
                    + Amounts.count(t.inputTokens() - t.cachedInputTokens()) + " × " + Amounts.usd(altPrices.input())
                    + " + " + Amounts.count(t.cachedInputTokens()) + " × " + Amounts.usd(altPrices.cachedInputOrInput())
                    + " + " + Amounts.count(t.outputTokens()) + " × " + Amounts.usd(altPrices.output())
                    + " = " + Amounts.usd(altCost) + ". Difference: " + Amounts.usd(t.costUsd()) + " − "
                    + Amounts.usd(altCost) + " = " + Amounts.usd(saving) + ".";
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
    static List<Suggestion> promptCaching(StatsAccumulator acc, PriceLookup prices) {
        List<Suggestion> out = new ArrayList<>();
        for (Map.Entry<String, Tally> e : acc.byPricedAs.entrySet()) {
            String model = e.getKey();
            Tally t = e.getValue();
            @Nullable ModelPrices p = prices.prices(model);
            long input = t.cacheablePromptInputTokens();
            long cached = t.cacheablePromptCachedTokens();
            if (p == null || p.cachedInput() == null || p.cachedInput().compareTo(p.input()) >= 0 || input == 0) {
                continue;
            }
            BigDecimal share = BigDecimal.valueOf(cached).divide(BigDecimal.valueOf(input), 6,
                    RoundingMode.HALF_EVEN);
            if (share.compareTo(LOW_CACHED_SHARE) >= 0) {
                continue;
            }
            long half = input / 2;
            long more = half - cached;
            BigDecimal perToken = p.input().subtract(p.cachedInput());
            BigDecimal saving = Amounts.plain(BigDecimal.valueOf(more).multiply(perToken)
                    .divide(ModelPrices.ONE_MILLION));
            if (saving.signum() <= 0) {
                continue;
            }
            String detail = model + ": " + Amounts.calls(t.cacheablePromptRequests()) + " had prompts of "
                    + Amounts.count(Tally.CACHEABLE_PROMPT_TOKENS) + " tokens or more, " + Amounts.count(input)
                    + " input tokens of which " + Amounts.count(cached) + " (" + Amounts.percent(share)
                    + ") were cached. If half were cached (" + Amounts.count(half) + " tokens, "
                    + Amounts.count(more) + " more): " + Amounts.count(more) + " × (" + Amounts.usd(p.input())
                    + " − " + Amounts.usd(p.cachedInput()) + ") per 1M = " + Amounts.usd(saving)
                    + ". This is an upper bound: only a prefix repeated across calls can be cached.";
            out.add(new Suggestion("prompt_caching", "Use prompt caching for " + model + " (upper bound "
                    + Amounts.usd(saving) + ")", detail, saving,
                    "Put the stable part of each prompt first (system message, tools, examples) and the varying"
                            + " part last, so OpenAI's automatic caching of repeated 1,024+ token prefixes applies."));
        }
        return out;
    }
}

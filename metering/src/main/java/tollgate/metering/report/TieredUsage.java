package tollgate.metering.report;

import java.math.BigDecimal;
import java.util.StringJoiner;
import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.CostCalculator.Rates;
import tollgate.metering.pricing.LongContextTier;
import tollgate.metering.pricing.ModelPrice;
import tollgate.metering.usage.Usage;

/**
 * Calls' tokens summed on each side of a model's long-context threshold, priced through {@link CostCalculator}
 * side by side: what those calls cost, call by call, at that model's prices (SPEC 5, 6), as billing prices them.
 * Cache writes are not in the usage log, so a report prices none.
 *
 * @param below calls at or under the threshold (every call when the model has no tier)
 * @param above calls over it, priced at the tier
 */
record TieredUsage(Usage below, Usage above) {

    /** All of a tally's calls; null when its sums cannot place them on either side of {@code p}'s threshold. */
    static @Nullable TieredUsage of(Tally t, ModelPrice p) {
        return split(new Usage(t.inputTokens(), t.cachedInputTokens(), t.outputTokens(), 0), t, p);
    }

    /** The input side of a tally's prompts of {@link Tally#CACHEABLE_PROMPT_TOKENS} or more; null as {@link #of}. */
    static @Nullable TieredUsage cacheablePrompts(Tally t, ModelPrice p) {
        LongContextTier tier = p.longContext();
        // over a threshold under the cacheable size, calls may be short prompts, which these sums leave out
        if (tier != null && tier.aboveInputTokens() < Tally.CACHEABLE_PROMPT_TOKENS - 1
                && !Usage.ZERO.equals(t.above(tier.aboveInputTokens()))) {
            return null;
        }
        // every call over the threshold is a cacheable prompt; all calls' output keeps each side's output whole
        TieredUsage s = split(new Usage(t.cacheablePromptInputTokens(), t.cacheablePromptCachedTokens(),
                t.outputTokens(), 0), t, p);
        return s == null ? null : s.inputOnly();
    }

    private static @Nullable TieredUsage split(Usage all, Tally t, ModelPrice p) {
        LongContextTier tier = p.longContext();
        if (tier == null) {
            return new TieredUsage(all, Usage.ZERO);
        }
        Usage above = t.above(tier.aboveInputTokens());
        return above == null ? null : new TieredUsage(minus(all, above), above);
    }

    BigDecimal cost(ModelPrice p) {
        return CostCalculator.cost(p, below, false).add(CostCalculator.cost(p, above, true));
    }

    /**
     * The arithmetic of {@link #cost} per 1M tokens,
     * {@code uncached × input + cached × cached input + output × output} at the rates billing uses, the long-context
     * side apart.
     */
    String arithmetic(ModelPrice p) {
        StringJoiner sides = new StringJoiner(" + ");
        if (!empty(below) || empty(above)) {
            sides.add(arithmetic(below, Rates.of(p, false)));
        }
        LongContextTier tier = p.longContext();
        if (!empty(above) && tier != null) {
            sides.add("(calls over " + Amounts.count(tier.aboveInputTokens())
                    + " input tokens, at the long-context prices) "
                    + arithmetic(above, Rates.of(p, true)));
        }
        return sides.toString();
    }

    private static String arithmetic(Usage u, Rates r) {
        String s = Amounts.count(u.inputTokens() - u.cachedInputTokens()) + " × " + Amounts.usd(r.input()) + " + "
                + Amounts.count(u.cachedInputTokens()) + " cached × " + Amounts.usd(r.cachedInput());
        return u.outputTokens() == 0 ? s
                : s + " + " + Amounts.count(u.outputTokens()) + " output × " + Amounts.usd(r.output());
    }

    private static boolean empty(Usage u) {
        return u.inputTokens() == 0 && u.outputTokens() == 0;
    }

    /** Only the input tokens, cached ones included, priced. */
    TieredUsage inputOnly() {
        return new TieredUsage(withOutput(below, 0), withOutput(above, 0));
    }

    /** Only the output tokens priced. */
    TieredUsage outputOnly() {
        return new TieredUsage(new Usage(0, 0, below.outputTokens(), 0), new Usage(0, 0, above.outputTokens(), 0));
    }

    /** The same calls with at least half of each side's input tokens cached. */
    TieredUsage halfCached() {
        return new TieredUsage(halfCached(below), halfCached(above));
    }

    long cachedInputTokens() {
        return below.cachedInputTokens() + above.cachedInputTokens();
    }

    private static Usage halfCached(Usage u) {
        return new Usage(u.inputTokens(), Math.max(u.cachedInputTokens(), u.inputTokens() / 2), u.outputTokens(), 0);
    }

    private static Usage withOutput(Usage u, long output) {
        return new Usage(u.inputTokens(), u.cachedInputTokens(), output, 0);
    }

    private static Usage minus(Usage all, Usage part) {
        return new Usage(all.inputTokens() - part.inputTokens(), all.cachedInputTokens() - part.cachedInputTokens(),
                all.outputTokens() - part.outputTokens(), 0);
    }
}

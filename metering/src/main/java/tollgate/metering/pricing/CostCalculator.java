package tollgate.metering.pricing;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.Usage;

/**
 * The cost of a call in USD, in exact decimal arithmetic (SPEC 5):
 * {@code (input − cached − cache_write) × input + cached × cached_input + cache_write × cache_write_price
 * + output × output}, prices per 1M tokens, divided by 10^6 exactly (a shift of the decimal point).
 *
 * <p>{@link Usage#inputTokens()} counts every prompt token, cached and cache-written ones included
 * (OpenAI's {@code prompt_tokens} convention; an Anthropic usage, whose {@code input_tokens} excludes
 * both, must add them). A call whose input is above a model's long-context threshold is priced entirely
 * at the tier's prices, as OpenAI and Anthropic bill it. A missing cached or cache-write price bills
 * those tokens at the input price. Cached and cache-written counts above the input count are
 * clamped to it, so a usage that breaks the convention is never billed below zero.
 *
 * <p>A response's {@code service_tier} (SPEC 12) selects the model's {@link TierPrice} for every token of the call;
 * the standard tier, or a tier the model has no price for, bills the standard prices ({@link #tierPriced} tells
 * the two apart, so the second can be counted).
 */
public final class CostCalculator {
    private static final int PER_MILLION_DIGITS = 6;

    private CostCalculator() {
    }

    public static BigDecimal cost(ModelPrice p, Usage u) {
        return cost(p, u, longContext(p, u.inputTokens()));
    }

    /** The cost of a call answered at {@code serviceTier} (the response's {@code service_tier}; null: standard). */
    public static BigDecimal cost(ModelPrice p, Usage u, @Nullable String serviceTier) {
        return cost(Rates.of(p, longContext(p, u.inputTokens()), serviceTier), u);
    }

    /**
     * False when {@code serviceTier} names a tier other than standard that the model has no price for (or none for
     * a call this long): such a call is billed at standard prices, and counted, never dropped.
     */
    public static boolean tierPriced(ModelPrice p, @Nullable String serviceTier, long inputTokens) {
        if (ServiceTiers.key(serviceTier) == null) {
            return true;
        }
        TierPrice t = p.tier(serviceTier);
        return t != null && (!longContext(p, inputTokens) || t.longContext() != null);
    }

    /** Whether a call with this many input tokens is priced entirely at the model's long-context tier. */
    public static boolean longContext(ModelPrice p, long inputTokens) {
        LongContextTier t = p.longContext();
        return t != null && inputTokens > t.aboveInputTokens();
    }

    /**
     * {@link #cost(ModelPrice, Usage)} with the tier chosen by the caller: for usage summed over calls that all
     * fall on one side of the model's long-context threshold (reports), whose sum says nothing about any call.
     */
    public static BigDecimal cost(ModelPrice p, Usage u, boolean longContext) {
        return cost(Rates.of(p, longContext), u);
    }

    private static BigDecimal cost(Rates r, Usage u) {
        long cached = Math.min(u.cachedInputTokens(), u.inputTokens());
        long written = Math.min(u.cacheCreationInputTokens(), u.inputTokens() - cached);
        long uncached = u.inputTokens() - cached - written;
        BigDecimal perMillion = r.input.multiply(BigDecimal.valueOf(uncached))
                .add(r.cachedInput.multiply(BigDecimal.valueOf(cached)))
                .add(r.cacheWrite.multiply(BigDecimal.valueOf(written)))
                .add(r.output.multiply(BigDecimal.valueOf(u.outputTokens())));
        return ModelPrice.normalized(perMillion.movePointLeft(PER_MILLION_DIGITS));
    }

    /**
     * The most a call can cost, for a budget reservation: every prompt token at the full input price
     * (no cache discount is known before the call) and {@code maxOutputTokens} at the output price.
     */
    public static BigDecimal worstCase(ModelPrice p, long promptTokens, long maxOutputTokens) {
        if (promptTokens < 0 || maxOutputTokens < 0) {
            throw new IllegalArgumentException("promptTokens, maxOutputTokens: " + promptTokens + ", " + maxOutputTokens
                    + " (expected: >= 0)");
        }
        Rates r = Rates.of(p, longContext(p, promptTokens));
        BigDecimal perMillion = r.input.multiply(BigDecimal.valueOf(promptTokens))
                .add(r.output.multiply(BigDecimal.valueOf(maxOutputTokens)));
        return ModelPrice.normalized(perMillion.movePointLeft(PER_MILLION_DIGITS));
    }

    /**
     * The prices per 1M tokens a call is billed at, the missing ones filled in as billing fills them: what reports
     * show beside their arithmetic.
     */
    public record Rates(BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite, BigDecimal output) {
        public static Rates of(ModelPrice p, boolean longContext) {
            LongContextTier t = p.longContext();
            if (longContext && t != null) {
                return of(t);
            }
            return new Rates(p.input(), orElse(p.cachedInput(), p.input()), orElse(p.cacheWrite(), p.input()), p.output());
        }

        /** The rates of a call at a service tier; standard ones when the model has no price for it ({@link #tierPriced}). */
        public static Rates of(ModelPrice p, boolean longContext, @Nullable String serviceTier) {
            TierPrice t = p.tier(serviceTier);
            if (t == null || (longContext && p.longContext() != null && t.longContext() == null)) {
                return of(p, longContext);
            }
            if (longContext && t.longContext() != null) {
                return of(t.longContext());
            }
            return new Rates(t.input(), orElse(t.cachedInput(), t.input()), orElse(t.cacheWrite(), t.input()), t.output());
        }

        private static Rates of(LongContextTier t) {
            return new Rates(t.input(), orElse(t.cachedInput(), t.input()), orElse(t.cacheWrite(), t.input()), t.output());
        }

        private static BigDecimal orElse(@Nullable BigDecimal v, BigDecimal fallback) {
            return v != null ? v : fallback;
        }
    }
}

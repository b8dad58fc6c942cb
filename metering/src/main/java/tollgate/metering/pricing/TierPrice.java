package tollgate.metering.pricing;

import java.math.BigDecimal;
import java.math.MathContext;
import org.jspecify.annotations.Nullable;

/**
 * A model's prices at one service tier (SPEC 12: {@code flex}, {@code priority}, {@code ultrafast}, {@code batch}),
 * replacing its standard prices for the whole call, reasoning and cached tokens included. A pricing file may give a
 * tier as absolute prices or as {@code {multiplier: 0.5}} of the model's standard prices ("Batch costs 50% of
 * Standard rates", "Fast mode costs twice the Standard rate for the same context length": OpenAI model pages);
 * the reader turns a multiplier into prices, long context included, so the cost function sees prices only.
 *
 * @param cachedInput absent: the model's cached price scaled as this tier scales input ({@link #scaledLike}); this
 *     tier's {@code input} when the model has none
 * @param cacheWrite absent: likewise from the model's cache-write price
 * @param longContext this tier's prices above the model's long-context threshold; absent: a long-context call at
 *     this tier has no known price (it is billed at the standard long-context prices and counted as unpriced)
 */
public record TierPrice(BigDecimal input, @Nullable BigDecimal cachedInput, BigDecimal output,
                        @Nullable BigDecimal cacheWrite, @Nullable LongContextTier longContext) {
    public TierPrice {
        input = ModelPrice.checkedPrice("input", input);
        cachedInput = cachedInput == null ? null : ModelPrice.checkedPrice("cached_input", cachedInput);
        output = ModelPrice.checkedPrice("output", output);
        cacheWrite = cacheWrite == null ? null : ModelPrice.checkedPrice("cache_write", cacheWrite);
    }

    /** The model's standard prices times {@code m}, long context included. */
    static TierPrice scaled(BigDecimal m, BigDecimal input, @Nullable BigDecimal cachedInput, BigDecimal output,
                            @Nullable BigDecimal cacheWrite, @Nullable LongContextTier lc) {
        LongContextTier scaledLc = lc == null ? null : new LongContextTier(lc.aboveInputTokens(), lc.input().multiply(m),
                times(lc.cachedInput(), m), lc.output().multiply(m), times(lc.cacheWrite(), m));
        return new TierPrice(input.multiply(m), times(cachedInput, m), output.multiply(m), times(cacheWrite, m), scaledLc);
    }

    /**
     * {@code standard} scaled as the tier scales input ({@code standard × tierInput / standardInput}, to 34 significant
     * digits, as per-minute prices are); null when there is no standard price or no standard input to scale by.
     */
    static @Nullable BigDecimal scaledLike(@Nullable BigDecimal standard, BigDecimal tierInput, BigDecimal standardInput) {
        if (standard == null || standardInput.signum() == 0) {
            return null;
        }
        return standard.multiply(tierInput).divide(standardInput, MathContext.DECIMAL128).stripTrailingZeros();
    }

    private static @Nullable BigDecimal times(@Nullable BigDecimal v, BigDecimal m) {
        return v == null ? null : v.multiply(m);
    }
}

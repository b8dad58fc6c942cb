package tollgate.metering.pricing;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * Prices that replace a model's base prices for a whole call whose input exceeds a threshold, as
 * OpenAI bills gpt-5.4 above 272K input tokens and Anthropic bills Sonnet 4.x above 200K.
 *
 * @param aboveInputTokens the tier applies when a call's input tokens are strictly more than this
 * @param cachedInput absent: cached input billed at this tier's {@code input}
 * @param cacheWrite absent: cache writes billed at this tier's {@code input}
 */
public record LongContextTier(long aboveInputTokens, BigDecimal input, @Nullable BigDecimal cachedInput,
                              BigDecimal output, @Nullable BigDecimal cacheWrite) {
    public LongContextTier {
        if (aboveInputTokens <= 0) {
            throw new IllegalArgumentException("above_input_tokens: " + aboveInputTokens + " (expected: > 0)");
        }
        input = ModelPrice.checkedPrice("input", input);
        cachedInput = cachedInput == null ? null : ModelPrice.checkedPrice("cached_input", cachedInput);
        output = ModelPrice.checkedPrice("output", output);
        cacheWrite = cacheWrite == null ? null : ModelPrice.checkedPrice("cache_write", cacheWrite);
    }

    public LongContextTier(long aboveInputTokens, BigDecimal input, @Nullable BigDecimal cachedInput, BigDecimal output) {
        this(aboveInputTokens, input, cachedInput, output, null);
    }
}

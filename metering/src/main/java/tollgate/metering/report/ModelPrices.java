package tollgate.metering.report;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * A model's base prices in USD per 1M tokens (SPEC 6) and the cheaper model the table suggests for it.
 *
 * @param cachedInput null when the model has no cached-input price (cached tokens then cost the input price)
 */
public record ModelPrices(BigDecimal input, @Nullable BigDecimal cachedInput, BigDecimal output,
                          @Nullable String cheaperAlternative) {
    public static final BigDecimal ONE_MILLION = BigDecimal.valueOf(1_000_000);

    public ModelPrices {
        check("input", input);
        if (cachedInput != null) {
            check("cached_input", cachedInput);
        }
        check("output", output);
    }

    private static void check(String name, BigDecimal price) {
        if (price.signum() < 0) {
            throw new IllegalArgumentException(name + ": " + price.toPlainString() + " (expected: >= 0)");
        }
    }

    public BigDecimal cachedInputOrInput() {
        return cachedInput == null ? input : cachedInput;
    }

    /** The cost of the input side: uncached tokens at the input price, cached tokens at the cached price. */
    public BigDecimal inputCost(long inputTokens, long cachedTokens) {
        BigDecimal uncached = BigDecimal.valueOf(inputTokens - cachedTokens).multiply(input);
        BigDecimal cached = BigDecimal.valueOf(cachedTokens).multiply(cachedInputOrInput());
        return uncached.add(cached).divide(ONE_MILLION);
    }

    public BigDecimal outputCost(long outputTokens) {
        return BigDecimal.valueOf(outputTokens).multiply(output).divide(ONE_MILLION);
    }

    /** SPEC 5's cost formula applied to summed tokens. */
    public BigDecimal cost(long inputTokens, long cachedTokens, long outputTokens) {
        return inputCost(inputTokens, cachedTokens).add(outputCost(outputTokens));
    }
}

package tollgate.metering.pricing;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What one model costs, in USD per 1M tokens (SPEC 6). Prices are kept without trailing zeros so
 * that two equal prices are {@code equals}.
 *
 * @param cachedInput absent: cached input tokens are billed at {@code input}
 * @param cacheWrite Anthropic's price for {@code cache_creation_input_tokens}; absent: billed at {@code input}
 * @param maxOutputTokens the model's output cap, reserved by budgets when a request sets no maximum
 * @param longContext prices for a whole call whose input is above the tier's threshold
 * @param cheaperAlternative a model named in suggestions; a product hint, not a price fact
 * @param tiers service tier ({@link ServiceTiers#key}) → its prices (SPEC 12); sorted, possibly empty
 * @param units prices of what is not a text token (SPEC 12): audio and image tokens, images, minutes, characters,
 *     web searches, calls
 */
public record ModelPrice(BigDecimal input, @Nullable BigDecimal cachedInput, BigDecimal output,
                         @Nullable BigDecimal cacheWrite, @Nullable Long maxOutputTokens,
                         @Nullable LongContextTier longContext, @Nullable String cheaperAlternative,
                         Map<String, TierPrice> tiers, UnitPrices units) {
    public ModelPrice {
        Objects.requireNonNull(units, "units");
        tiers = Collections.unmodifiableSortedMap(new TreeMap<>(tiers));
        input = checkedPrice("input", input);
        cachedInput = cachedInput == null ? null : checkedPrice("cached_input", cachedInput);
        output = checkedPrice("output", output);
        cacheWrite = cacheWrite == null ? null : checkedPrice("cache_write", cacheWrite);
        if (maxOutputTokens != null && maxOutputTokens <= 0) {
            throw new IllegalArgumentException("max_output_tokens: " + maxOutputTokens + " (expected: > 0)");
        }
        if (cheaperAlternative != null && cheaperAlternative.isBlank()) {
            throw new IllegalArgumentException("cheaper_alternative: '' (expected: a model name)");
        }
    }

    public ModelPrice(BigDecimal input, @Nullable BigDecimal cachedInput, BigDecimal output,
                      @Nullable BigDecimal cacheWrite, @Nullable Long maxOutputTokens,
                      @Nullable LongContextTier longContext, @Nullable String cheaperAlternative) {
        this(input, cachedInput, output, cacheWrite, maxOutputTokens, longContext, cheaperAlternative, Map.of(),
                UnitPrices.NONE);
    }

    /** The usual triple of a pricing file line: {@code {input, cached_input, output}}. */
    public static ModelPrice of(String input, @Nullable String cachedInput, String output) {
        return new ModelPrice(new BigDecimal(input), cachedInput == null ? null : new BigDecimal(cachedInput),
                new BigDecimal(output), null, null, null, null, Map.of(), UnitPrices.NONE);
    }

    public ModelPrice withMaxOutputTokens(@Nullable Long tokens) {
        return new ModelPrice(input, cachedInput, output, cacheWrite, tokens, longContext, cheaperAlternative, tiers, units);
    }

    public ModelPrice withLongContext(@Nullable LongContextTier tier) {
        return new ModelPrice(input, cachedInput, output, cacheWrite, maxOutputTokens, tier, cheaperAlternative, tiers, units);
    }

    public ModelPrice withCacheWrite(@Nullable BigDecimal price) {
        return new ModelPrice(input, cachedInput, output, price, maxOutputTokens, longContext, cheaperAlternative, tiers, units);
    }

    public ModelPrice withCheaperAlternative(@Nullable String model) {
        return new ModelPrice(input, cachedInput, output, cacheWrite, maxOutputTokens, longContext, model, tiers, units);
    }

    public ModelPrice withTiers(Map<String, TierPrice> byTier) {
        return new ModelPrice(input, cachedInput, output, cacheWrite, maxOutputTokens, longContext, cheaperAlternative,
                byTier, units);
    }

    public ModelPrice withUnits(UnitPrices prices) {
        return new ModelPrice(input, cachedInput, output, cacheWrite, maxOutputTokens, longContext, cheaperAlternative,
                tiers, prices);
    }

    /**
     * The prices of a response's {@code service_tier}: null for the standard tier ({@link ServiceTiers#key}) and for
     * a tier this model has no price for.
     */
    public @Nullable TierPrice tier(@Nullable String serviceTier) {
        String k = ServiceTiers.key(serviceTier);
        return k == null ? null : tiers.get(k);
    }

    static BigDecimal checkedPrice(String name, BigDecimal price) {
        Objects.requireNonNull(price, name);
        if (price.signum() < 0) {
            throw new IllegalArgumentException(name + ": " + price.toPlainString() + " (expected: >= 0)");
        }
        return normalized(price);
    }

    /** Without trailing zeros, but never in exponent form (0E+1 and 1E+1 would reach JSON as such). */
    static BigDecimal normalized(BigDecimal value) {
        BigDecimal v = value.stripTrailingZeros();
        return v.scale() < 0 ? v.setScale(0) : v;
    }
}

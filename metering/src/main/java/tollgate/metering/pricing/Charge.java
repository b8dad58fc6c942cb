package tollgate.metering.pricing;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One part of what a call cost, as {@link CostCalculator#charges} itemizes it: the call's cost is the sum of its
 * charges' {@code usd}, so a report that splits a call by part adds up to it exactly.
 *
 * @param quantity tokens, calls, searches, images, seconds or characters, as {@link Part} says
 * @param unitPrice USD per {@link Unit#per()} of the part's unit; null when the part has no price of its own (an
 *     image, a second or a character billed through the call's tokens, or a call with no price at all)
 * @param usd exact; 0 when {@code unitPrice} is null
 */
public record Charge(Part part, BigDecimal quantity, @Nullable BigDecimal unitPrice, BigDecimal usd) {
    public Charge {
        Objects.requireNonNull(part, "part");
        Objects.requireNonNull(quantity, "quantity");
        Objects.requireNonNull(usd, "usd");
    }

    /** What a charge is for, and the quantity its price is per (SPEC 5 and 12). */
    public enum Part {
        /** Input tokens neither cached, cache-written, audio nor image. */
        INPUT("input", Unit.TOKENS),
        /** Input tokens read from the prompt cache. */
        CACHED_INPUT("cached_input", Unit.TOKENS),
        /** Input tokens written to the prompt cache (Anthropic's 5-minute writes; OpenAI's writes). */
        CACHE_WRITE("cache_write", Unit.TOKENS),
        /** Anthropic's 1-hour cache writes. */
        CACHE_WRITE_1H("cache_write_1h", Unit.TOKENS),
        AUDIO_INPUT("audio_input", Unit.TOKENS),
        IMAGE_INPUT("image_input", Unit.TOKENS),
        /** Output tokens but audio ones; reasoning tokens included, as they are billed. */
        OUTPUT("output", Unit.TOKENS),
        AUDIO_OUTPUT("audio_output", Unit.TOKENS),
        /** The model's fee per call. */
        CALL("call", Unit.CALLS),
        WEB_SEARCH("web_search", Unit.SEARCHES),
        IMAGE("image", Unit.IMAGES),
        /** Seconds of audio, priced per minute. */
        AUDIO("audio", Unit.SECONDS),
        CHARACTERS("characters", Unit.CHARACTERS);

        private final String id;
        private final Unit unit;

        Part(String id, Unit unit) {
            this.id = id;
            this.unit = unit;
        }

        /** The usage-log style name: {@code cached_input}, {@code web_search}. */
        public String id() {
            return id;
        }

        public Unit unit() {
            return unit;
        }
    }

    /**
     * What a part's quantity counts, and the quantity of it that a price is per: a price of 2.5 for tokens is USD
     * per 1M tokens, for searches per 1,000, for seconds per minute (60 seconds).
     */
    public enum Unit {
        TOKENS(1_000_000), CALLS(1), SEARCHES(1_000), IMAGES(1), SECONDS(60), CHARACTERS(1_000);

        private final long per;

        Unit(long per) {
            this.per = per;
        }

        public long per() {
            return per;
        }
    }

    /** The sum of the charges' {@code usd}, as {@link CostCalculator} returns a cost. */
    public static BigDecimal total(List<Charge> charges) {
        BigDecimal usd = BigDecimal.ZERO;
        for (Charge c : charges) {
            usd = usd.add(c.usd);
        }
        return ModelPrice.normalized(usd);
    }
}

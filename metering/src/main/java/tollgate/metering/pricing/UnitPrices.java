package tollgate.metering.pricing;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a model charges besides text tokens (SPEC 12), each absent when the model has no such price. Token prices are
 * USD per 1M tokens like the text ones; the others are USD per the unit their name says.
 *
 * @param audioInput audio input tokens; absent: billed at the text input price
 * @param audioOutput audio output tokens; absent: billed at the text output price
 * @param imageInput image input tokens (gpt-image-*); absent: billed at the text input price
 * @param perCall USD for each call, whatever it used
 * @param perImage USD per image by {@code quality/size} or {@code size} (dall-e-3: {@code hd/1024x1792}; dall-e-2:
 *     {@code 512x512}), as the Images API bills them
 * @param perMinute USD per minute of transcribed audio (whisper-1), billed by the second
 * @param per1kCharacters USD per 1,000 characters turned into speech (tts-1, tts-1-hd)
 * @param webSearchPer1kCalls USD per 1,000 web searches the model ran
 * @param cacheWrite1h Anthropic's 1-hour cache writes, per 1M tokens; absent: 2 × the input price, Anthropic's rule
 *     (pricing docs, "Prompt caching": 1-hour writes cost twice the base input price)
 */
public record UnitPrices(@Nullable BigDecimal audioInput, @Nullable BigDecimal audioOutput,
                         @Nullable BigDecimal imageInput, @Nullable BigDecimal perCall, Map<String, BigDecimal> perImage,
                         @Nullable BigDecimal perMinute, @Nullable BigDecimal per1kCharacters,
                         @Nullable BigDecimal webSearchPer1kCalls, @Nullable BigDecimal cacheWrite1h) {
    public static final UnitPrices NONE = new UnitPrices(null, null, null, null, Map.of(), null, null, null, null);

    public UnitPrices {
        audioInput = checked("audio_input", audioInput);
        audioOutput = checked("audio_output", audioOutput);
        imageInput = checked("image_input", imageInput);
        perCall = checked("per_call", perCall);
        TreeMap<String, BigDecimal> images = new TreeMap<>();
        perImage.forEach((k, v) -> images.put(k, ModelPrice.checkedPrice("per_image." + k, v)));
        perImage = Collections.unmodifiableSortedMap(images);
        perMinute = checked("per_minute", perMinute);
        per1kCharacters = checked("per_1k_characters", per1kCharacters);
        webSearchPer1kCalls = checked("web_search_per_1k_calls", webSearchPer1kCalls);
        cacheWrite1h = checked("cache_write_1h", cacheWrite1h);
    }

    public UnitPrices(@Nullable BigDecimal audioInput, @Nullable BigDecimal audioOutput, @Nullable BigDecimal imageInput,
                      @Nullable BigDecimal perCall, Map<String, BigDecimal> perImage, @Nullable BigDecimal perMinute,
                      @Nullable BigDecimal per1kCharacters, @Nullable BigDecimal webSearchPer1kCalls) {
        this(audioInput, audioOutput, imageInput, perCall, perImage, perMinute, per1kCharacters, webSearchPer1kCalls,
                null);
    }

    /** True when the model is priced by something other than tokens (an image, a minute, characters, a call). */
    public boolean perUnit() {
        return perCall != null || !perImage.isEmpty() || perMinute != null || per1kCharacters != null;
    }

    /** The price of one image of {@code option} ({@code quality/size}, else its {@code size}); null when none. */
    public @Nullable BigDecimal image(@Nullable String option) {
        if (option == null) {
            return null;
        }
        BigDecimal p = perImage.get(option);
        int slash = option.indexOf('/');
        return p != null || slash < 0 ? p : perImage.get(option.substring(slash + 1));
    }

    private static @Nullable BigDecimal checked(String name, @Nullable BigDecimal v) {
        return v == null ? null : ModelPrice.checkedPrice(name, v);
    }
}

package tollgate.metering.usage;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * The counts of SPEC 12's units besides text tokens, of one call or summed over many: {@code cache_write_tokens}
 * (and of them {@code cache_write_1h_tokens}), {@code audio_input_tokens}, {@code audio_output_tokens}, {@code image_output_tokens}, {@code web_search_calls},
 * {@code images}, {@code audio_seconds} and {@code characters}, 0 when absent.
 *
 * @param cacheWriteTokens input tokens written to the prompt cache (part of the input tokens)
 * @param audioInputTokens audio tokens of the input (part of the input tokens)
 * @param audioOutputTokens audio tokens of the output (part of the output tokens)
 * @param imageOutputTokens image tokens of the output (part of the output tokens)
 * @param audioSeconds the length of transcribed audio, exact as the API gave it
 * @param characters characters of text turned into speech
 * @param cacheWrite1hTokens of the cache writes, those with Anthropic's 1-hour lifetime
 *     ({@code cache_creation.ephemeral_1h_input_tokens}, billed at their own price; the rest are 5-minute writes)
 */
public record UnitCounts(long cacheWriteTokens, long audioInputTokens, long audioOutputTokens, long imageOutputTokens,
                         long webSearchCalls, long images, BigDecimal audioSeconds, long characters,
                         long cacheWrite1hTokens) {
    public static final UnitCounts ZERO = new UnitCounts(0, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0);

    public UnitCounts {
        Objects.requireNonNull(audioSeconds, "audioSeconds");
        if (cacheWriteTokens < 0 || audioInputTokens < 0 || audioOutputTokens < 0 || imageOutputTokens < 0
                || webSearchCalls < 0 || images < 0 || characters < 0 || audioSeconds.signum() < 0
                || cacheWrite1hTokens < 0) {
            throw new IllegalArgumentException("unit counts: negative (expected: >= 0)");
        }
    }

    /** Counts without 1-hour cache writes. */
    public UnitCounts(long cacheWriteTokens, long audioInputTokens, long audioOutputTokens, long imageOutputTokens,
                      long webSearchCalls, long images, BigDecimal audioSeconds, long characters) {
        this(cacheWriteTokens, audioInputTokens, audioOutputTokens, imageOutputTokens, webSearchCalls, images,
                audioSeconds, characters, 0);
    }

    public boolean isZero() {
        return cacheWriteTokens == 0 && audioInputTokens == 0 && audioOutputTokens == 0 && imageOutputTokens == 0
                && webSearchCalls == 0 && images == 0 && audioSeconds.signum() == 0 && characters == 0
                && cacheWrite1hTokens == 0;
    }

    /** The sum of both; this one itself when {@code other} is zero. */
    public UnitCounts plus(UnitCounts other) {
        if (other.isZero()) {
            return this;
        }
        return new UnitCounts(cacheWriteTokens + other.cacheWriteTokens, audioInputTokens + other.audioInputTokens,
                audioOutputTokens + other.audioOutputTokens, imageOutputTokens + other.imageOutputTokens,
                webSearchCalls + other.webSearchCalls, images + other.images, audioSeconds.add(other.audioSeconds),
                characters + other.characters, cacheWrite1hTokens + other.cacheWrite1hTokens);
    }

    /** The counts' usage-log names, in the log's order: what reports and metrics name them by. */
    public static final List<String> NAMES = List.of("cache_write_tokens", "cache_write_1h_tokens", "audio_input_tokens",
            "audio_output_tokens", "image_output_tokens", "web_search_calls", "images", "audio_seconds", "characters");

    /** The counts in the order of {@link #NAMES}: longs, and {@code audio_seconds} a plain decimal. */
    public List<Number> values() {
        return List.of(cacheWriteTokens, cacheWrite1hTokens, audioInputTokens, audioOutputTokens, imageOutputTokens,
                webSearchCalls, images, audioSeconds.signum() == 0 ? BigDecimal.ZERO : audioSeconds.stripTrailingZeros(),
                characters);
    }
}

package tollgate.metering.log;

import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a call used besides text tokens, and how it was billed (SPEC 12): the usage-log fields {@code
 * cache_write_tokens}, {@code audio_input_tokens}, {@code audio_output_tokens}, {@code image_output_tokens},
 * {@code web_search_calls}, {@code images}, {@code audio_seconds}, {@code characters}, {@code service_tier},
 * {@code provider} and {@code batch}; 0, null or false when the call had none.
 *
 * @param cacheWriteTokens input tokens written to the prompt cache (part of the input tokens)
 * @param audioInputTokens audio tokens of the input (part of the input tokens)
 * @param audioOutputTokens audio tokens of the output (part of the output tokens)
 * @param imageOutputTokens image tokens of the output (part of the output tokens)
 * @param audioSeconds the length of transcribed audio, exact as the API gave it
 * @param characters characters of text turned into speech
 * @param serviceTier the response's {@code service_tier}, as it named it
 * @param batch true for a Batch API result
 */
public record UsageUnits(long cacheWriteTokens, long audioInputTokens, long audioOutputTokens, long imageOutputTokens,
                         long webSearchCalls, long images, BigDecimal audioSeconds, long characters,
                         @Nullable String serviceTier, @Nullable String provider, boolean batch) {
    public static final UsageUnits NONE = new UsageUnits(0, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0, null, null, false);

    public UsageUnits {
        Objects.requireNonNull(audioSeconds, "audioSeconds");
        if (cacheWriteTokens < 0 || audioInputTokens < 0 || audioOutputTokens < 0 || imageOutputTokens < 0
                || webSearchCalls < 0 || images < 0 || characters < 0 || audioSeconds.signum() < 0) {
            throw new IllegalArgumentException("unit counts: negative (expected: >= 0)");
        }
    }

    /** Only the service tier: a text call. */
    public static UsageUnits ofTier(@Nullable String serviceTier) {
        return serviceTier == null ? NONE : new UsageUnits(0, 0, 0, 0, 0, 0, BigDecimal.ZERO, 0, serviceTier, null, false);
    }
}

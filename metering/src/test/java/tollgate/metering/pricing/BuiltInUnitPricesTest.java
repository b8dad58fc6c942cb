package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * The built-in table's images, speech, transcription, search-preview and Claude prices (tollgate/pricing/README.md,
 * "Images, speech, transcription"), each through the one cost function. Expected values are worked by hand.
 */
class BuiltInUnitPricesTest {
    private static final PricingTable TABLE = PricingTable.builtIn();

    @Test
    void aDallE3HdPortraitImageCosts12Cents() {
        assertThat(cost("dall-e-3", Usage.ZERO, units(0, 1, "0", 0), "hd/1024x1792")).isEqualTo(new BigDecimal("0.12"));
        // the API's default quality is standard: a bare size is its price; two standard landscape images 2 × 0.08
        assertThat(cost("dall-e-3", Usage.ZERO, units(0, 1, "0", 0), "1024x1024")).isEqualTo(new BigDecimal("0.04"));
        assertThat(cost("dall-e-3", Usage.ZERO, units(0, 2, "0", 0), "standard/1792x1024")).isEqualTo(new BigDecimal("0.16"));
        // dall-e-2 has no quality: the size decides, whatever quality is named
        assertThat(cost("dall-e-2", Usage.ZERO, units(0, 3, "0", 0), "standard/512x512")).isEqualTo(new BigDecimal("0.054"));
        // a size no table row names is never guessed
        assertThat(cost("dall-e-3", Usage.ZERO, units(0, 1, "0", 0), "hd/640x480")).isNull();
    }

    @Test
    void aWhisperMinuteCostsSixTenthsOfACent() {
        assertThat(cost("whisper-1", Usage.ZERO, units(0, 0, "60", 0), null)).isEqualTo(new BigDecimal("0.006"));
        // by the second: 8.5 s × 0.006 / 60
        assertThat(cost("whisper-1", Usage.ZERO, units(0, 0, "8.5", 0), null)).isEqualTo(new BigDecimal("0.00085"));
    }

    @Test
    void aThousandSpeechCharactersCostTheirListPrice() {
        assertThat(cost("tts-1", Usage.ZERO, units(0, 0, "0", 1000), null)).isEqualTo(new BigDecimal("0.015"));
        assertThat(cost("tts-1-hd", Usage.ZERO, units(0, 0, "0", 1000), null)).isEqualTo(new BigDecimal("0.03"));
        // gpt-4o-mini-tts by tokens: 20 text in × 0.6 + 300 audio out × 12 = 12 + 3600 per 1M
        assertThat(cost("gpt-4o-mini-tts", new Usage(20, 0, 300, 0, 0, 0, 300, 0, 0), units(0, 0, "0", 0), null))
                .isEqualTo(new BigDecimal("0.003612"));
    }

    @Test
    void aGptImageCallIsPricedByTextImageInputAndImageOutputTokens() {
        // 100 in of which 50 image; 4160 image tokens out: 50 × 5 + 50 × 10 + 4160 × 40 = 250 + 500 + 166400 per 1M
        Usage u = new Usage(100, 0, 4160, 0, 0, 0, 0, 50, 4160);
        assertThat(cost("gpt-image-1", u, units(0, 1, "0", 0), "high/1024x1024")).isEqualTo(new BigDecimal("0.16715"));
        // gpt-image-1-mini: 50 × 2 + 50 × 2.5 + 4160 × 8 = 100 + 125 + 33280 per 1M
        assertThat(cost("gpt-image-1-mini", u, units(0, 1, "0", 0), null)).isEqualTo(new BigDecimal("0.033505"));
    }

    @Test
    void transcriptionModelsPriceTheirAudioInputTokens() {
        // gpt-4o-transcribe: 14 audio in × 6 + 45 out × 10 = 84 + 450 per 1M
        Usage u = new Usage(14, 0, 45, 0, 0, 14, 0, 0, 0);
        assertThat(cost("gpt-4o-transcribe", u, units(0, 0, "0", 0), null)).isEqualTo(new BigDecimal("0.000534"));
        // gpt-4o-mini-transcribe: 4 text in × 1.25 + 14 audio in × 3 + 45 out × 5 = 5 + 42 + 225 per 1M
        Usage mini = new Usage(18, 0, 45, 0, 0, 14, 0, 0, 0);
        assertThat(cost("gpt-4o-mini-transcribe", mini, units(0, 0, "0", 0), null)).isEqualTo(new BigDecimal("0.000272"));
    }

    @Test
    void aSearchPreviewCallPaysTheSearchFeeOnTopOfItsTokens() {
        // 100 × 0.15 + 50 × 0.6 = 45 per 1M, plus 1 search × $25 / 1K
        assertThat(cost("gpt-4o-mini-search-preview", new Usage(100, 0, 50, 0), units(1, 0, "0", 0), null))
                .isEqualTo(new BigDecimal("0.025045"));
        assertThat(TABLE.resolve("gpt-4o-search-preview-2025-03-11").name()).isEqualTo("gpt-4o-search-preview");
    }

    @Test
    void aClaudeCallPaysItsCacheReadsAndBothCacheWriteLifetimes() {
        // claude-sonnet-5-5: input 2, cache read 0.1, output 10, 5-minute write 2.5, 1-hour write 4. Usage in SPEC 5's
        // terms: 6000 input = 1000 uncached + 2000 read + 3000 written, of which 1000 for an hour; 500 out.
        // 1000 × 2 + 2000 × 0.1 + 2000 × 2.5 + 1000 × 4 + 500 × 10 = 2000 + 200 + 5000 + 4000 + 5000 per 1M
        Usage u = new Usage(6000, 2000, 500, 0, 3000, 0, 0, 0, 0, 1000);
        assertThat(cost("claude-sonnet-5-5", u, UnitCounts.ZERO, null)).isEqualTo(new BigDecimal("0.0162"));
        // claude-opus-4-6 at its dated name: 1000 × 5 + 2000 × 0.5 + 2000 × 6.25 + 1000 × 10 + 500 × 25 per 1M
        assertThat(cost("claude-opus-4-6-20260205", u, UnitCounts.ZERO, null)).isEqualTo(new BigDecimal("0.041"));
    }

    private static @Nullable BigDecimal cost(String model, Usage tokens, UnitCounts units, @Nullable String imageOption) {
        PricedModel p = TABLE.resolve(model);
        assertThat(p).as(model).isNotNull();
        return CostCalculator.cost(p.price(), new Billable(tokens, units, null, imageOption));
    }

    private static UnitCounts units(long webSearches, long images, String audioSeconds, long characters) {
        return new UnitCounts(0, 0, 0, 0, webSearches, images, new BigDecimal(audioSeconds), characters);
    }
}

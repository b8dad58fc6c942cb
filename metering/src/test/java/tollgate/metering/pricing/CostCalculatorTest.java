package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import tollgate.metering.usage.Usage;

/** Expected values are worked by hand: tokens × USD per 1M tokens, summed, then divided by 10^6. */
class CostCalculatorTest {
    private static final ModelPrice GPT_4O_MINI = ModelPrice.of("0.15", "0.075", "0.60");
    private static final ModelPrice GPT_4O = ModelPrice.of("2.50", "1.25", "10.00");
    private static final ModelPrice GPT_41_NANO = ModelPrice.of("0.10", "0.025", "0.40");
    private static final ModelPrice GPT_4 = ModelPrice.of("30", null, "60");
    private static final ModelPrice GPT_54 = ModelPrice.of("2.5", "0.25", "15")
            .withLongContext(new LongContextTier(272_000, new BigDecimal("5"), new BigDecimal("0.5"), new BigDecimal("22.5")));
    private static final ModelPrice CLAUDE_SONNET_45 = ModelPrice.of("3", "0.3", "15").withCacheWrite(new BigDecimal("3.75"))
            .withLongContext(new LongContextTier(200_000, new BigDecimal("6"), new BigDecimal("0.6"), new BigDecimal("22.5"),
                    new BigDecimal("7.5")));

    @Test
    void specExampleCostsExactly() {
        // SPEC 8's log line: 1250 × 0.15 + 150 × 0.60 = 277.5 per 1M
        assertThat(CostCalculator.cost(GPT_4O_MINI, new Usage(1250, 0, 150, 0))).isEqualTo(new BigDecimal("0.0002775"));
    }

    @Test
    void cachedInputIsBilledAtTheCachedPrice() {
        // 6000 × 2.5 + 4000 × 1.25 + 500 × 10 = 15000 + 5000 + 5000
        assertThat(CostCalculator.cost(GPT_4O, new Usage(10_000, 4_000, 500, 0))).isEqualTo(new BigDecimal("0.025"));
    }

    @Test
    void everyDigitIsKept() {
        // 1234560 × 0.1 + 7 × 0.025 + 89 × 0.4 = 123456 + 0.175 + 35.6 = 123491.775
        assertThat(CostCalculator.cost(GPT_41_NANO, new Usage(1_234_567, 7, 89, 0))).isEqualTo(new BigDecimal("0.123491775"));
        // 1 × 0.075 per 1M
        assertThat(CostCalculator.cost(GPT_4O_MINI, new Usage(1, 1, 0, 0))).isEqualTo(new BigDecimal("0.000000075"));
    }

    @Test
    void withoutACachedPriceCachedTokensPayTheInputPrice() {
        // 1000 × 30 + 10 × 60 = 30600
        assertThat(CostCalculator.cost(GPT_4, new Usage(1000, 200, 10, 0))).isEqualTo(new BigDecimal("0.0306"));
    }

    @Test
    void reasoningTokensAreNotBilledTwice() {
        // output 100 already includes 80 reasoning tokens: 100 × 10
        assertThat(CostCalculator.cost(GPT_4O, new Usage(0, 0, 100, 80))).isEqualTo(new BigDecimal("0.001"));
    }

    @Test
    void inputAboveTheLongContextThresholdPricesTheWholeCallAtTheTier() {
        // 272000 × 5 + 1 × 0.5 + 1000 × 22.5 = 1360000 + 0.5 + 22500
        assertThat(CostCalculator.cost(GPT_54, new Usage(272_001, 1, 1000, 0))).isEqualTo(new BigDecimal("1.3825005"));
    }

    @Test
    void inputAtTheLongContextThresholdUsesTheBasePrices() {
        // 271999 × 2.5 + 1 × 0.25 + 1000 × 15 = 679997.5 + 0.25 + 15000
        assertThat(CostCalculator.cost(GPT_54, new Usage(272_000, 1, 1000, 0))).isEqualTo(new BigDecimal("0.69499775"));
    }

    @Test
    void summedUsagePricesAtTheSideTheCallerNames() {
        // two calls of 150K input each, under the 272K threshold, sum to 300K: still base prices
        Usage twoShortCalls = new Usage(300_000, 0, 0, 0);
        assertThat(CostCalculator.cost(GPT_54, twoShortCalls, false)).isEqualTo(new BigDecimal("0.75"));
        assertThat(CostCalculator.cost(GPT_54, twoShortCalls)).isEqualTo(new BigDecimal("1.5"));
        assertThat(CostCalculator.cost(GPT_54, new Usage(1_000, 0, 0, 0), true)).isEqualTo(new BigDecimal("0.005"));
        // a model without a tier has only its base prices
        assertThat(CostCalculator.cost(GPT_4O, new Usage(1_000_000, 0, 0, 0), true)).isEqualTo(new BigDecimal("2.5"));
        assertThat(CostCalculator.longContext(GPT_54, 272_001)).isTrue();
        assertThat(CostCalculator.longContext(GPT_54, 272_000)).isFalse();
        assertThat(CostCalculator.longContext(GPT_4O, 10_000_000)).isFalse();
    }

    @Test
    void ratesFillInMissingPricesAsBillingDoes() {
        assertThat(CostCalculator.Rates.of(GPT_4, false)).isEqualTo(new CostCalculator.Rates(new BigDecimal("30"),
                new BigDecimal("30"), new BigDecimal("30"), new BigDecimal("60")));
        assertThat(CostCalculator.Rates.of(GPT_54, true)).isEqualTo(new CostCalculator.Rates(new BigDecimal("5"),
                new BigDecimal("0.5"), new BigDecimal("5"), new BigDecimal("22.5")));
    }

    @Test
    void cacheWritesPayTheCacheWritePrice() {
        // input 10000 = 5000 uncached + 2000 cache reads + 3000 cache writes:
        // 5000 × 3 + 2000 × 0.3 + 3000 × 3.75 + 100 × 15 = 15000 + 600 + 11250 + 1500
        assertThat(CostCalculator.cost(CLAUDE_SONNET_45, new Usage(10_000, 2_000, 100, 0, 3_000)))
                .isEqualTo(new BigDecimal("0.02835"));
    }

    @Test
    void longContextTierHasItsOwnCacheWritePrice() {
        // 200000 × 6 + 1 × 7.5
        assertThat(CostCalculator.cost(CLAUDE_SONNET_45, new Usage(200_001, 0, 0, 0, 1))).isEqualTo(new BigDecimal("1.2000075"));
    }

    @Test
    void withoutACacheWritePriceCacheWritesPayTheInputPrice() {
        // 3000 × 2.5 + 1000 × 2.5
        assertThat(CostCalculator.cost(GPT_4O, new Usage(4_000, 0, 0, 0, 1_000))).isEqualTo(new BigDecimal("0.01"));
    }

    @Test
    void cachedCountsAboveTheInputAreClampedToIt() {
        // 100 cached of an input of 50: 50 × 1.25
        assertThat(CostCalculator.cost(GPT_4O, new Usage(50, 100, 0, 0, 10))).isEqualTo(new BigDecimal("0.0000625"));
    }

    @Test
    void costsHaveNoTrailingZerosAndNoExponent() {
        assertThat(CostCalculator.cost(GPT_4O, Usage.ZERO)).isEqualTo(BigDecimal.ZERO);
        assertThat(CostCalculator.cost(GPT_4O, Usage.ZERO).toString()).isEqualTo("0");
        // 1000000 × 10 = exactly 10 USD, printed "10" and not "1E+1"
        assertThat(CostCalculator.cost(GPT_4O, new Usage(0, 0, 1_000_000, 0)).toString()).isEqualTo("10");
    }

    @Test
    void worstCaseBillsThePromptAtTheFullInputPriceAndTheWholeOutputCap() {
        // 1000 × 0.15 + 16384 × 0.6 = 150 + 9830.4
        assertThat(CostCalculator.worstCase(GPT_4O_MINI, 1000, 16_384)).isEqualTo(new BigDecimal("0.0099804"));
        // above 272K the tier applies: 300000 × 5 + 100 × 22.5
        assertThat(CostCalculator.worstCase(GPT_54, 300_000, 100)).isEqualTo(new BigDecimal("1.50225"));
        assertThat(CostCalculator.worstCase(GPT_4O, 0, 0)).isEqualTo(BigDecimal.ZERO);
    }

    @Test
    void worstCaseIsNeverBelowWhatTheCallCanBeBilled() {
        PricingTable table = PricingTable.builtIn();
        // gpt-4o-audio-preview: a prompt token may be audio at $40 (text: $2.5), an output token audio at $80 (text:
        // $10): 1000 × 40 + 100 × 80 per 1M; the most the same call can be billed, all audio
        ModelPrice audio = table.resolve(null, "gpt-4o-audio-preview").price();
        BigDecimal worst = CostCalculator.worstCase(audio, 1000, 100);
        assertThat(worst).isEqualByComparingTo("0.048");
        assertThat(CostCalculator.cost(audio, new Usage(1000, 0, 100, 0, 0, 1000, 100, 0, 0, 0, null)))
                .isLessThanOrEqualTo(worst);
        // claude-sonnet-4-6: every prompt token may be a 1-hour cache write at 2 × $3
        ModelPrice claude = table.resolve(null, "claude-sonnet-4-6").price();
        assertThat(CostCalculator.worstCase(claude, 1000, 0)).isEqualByComparingTo("0.006");
        // a model with none of these keeps the plain input and output prices
        assertThat(CostCalculator.worstCase(GPT_4O_MINI, 1000, 0)).isEqualByComparingTo("0.00015");
    }

    @Test
    void worstCaseRejectsNegativeCounts() {
        assertThatThrownBy(() -> CostCalculator.worstCase(GPT_4O, -1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected: >= 0");
    }

    @Test
    void pricesMustNotBeNegative() {
        assertThatThrownBy(() -> ModelPrice.of("-1", null, "1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("input: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new LongContextTier(0, BigDecimal.ONE, null, BigDecimal.ONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("above_input_tokens: 0 (expected: > 0)");
    }
}

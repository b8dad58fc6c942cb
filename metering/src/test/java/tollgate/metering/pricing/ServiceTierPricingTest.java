package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.usage.Usage;

/** SPEC 12: a response's service_tier selects the tier's prices. Expected values worked by hand. */
class ServiceTierPricingTest {
    private static final PricingTable TABLE = PricingTable.builtIn();
    // input 1000 of which 400 cached, output 200 of which 150 reasoning
    private static final Usage CALL = new Usage(1_000, 400, 200, 150);

    @TempDir
    Path dir;

    @Test
    void flexCallOfGpt5CostsHalfTheStandardPrice() {
        ModelPrice gpt5 = TABLE.resolve("gpt-5-2025-08-07").price();
        // standard: 600 × 1.25 + 400 × 0.125 + 200 × 10 = 750 + 50 + 2000 = 2800 per 1M
        assertThat(CostCalculator.cost(gpt5, CALL, "default")).isEqualTo(new BigDecimal("0.0028"));
        // flex: 600 × 0.625 + 400 × 0.0625 + 200 × 5 = 375 + 25 + 1000 = 1400 per 1M
        assertThat(CostCalculator.cost(gpt5, CALL, "flex")).isEqualTo(new BigDecimal("0.0014"));
        // priority: 600 × 2.5 + 400 × 0.25 + 200 × 20 = 1500 + 100 + 4000
        assertThat(CostCalculator.cost(gpt5, CALL, "priority")).isEqualTo(new BigDecimal("0.0056"));
        assertThat(CostCalculator.cost(gpt5, CALL, "fast")).isEqualTo(new BigDecimal("0.0056"));
        assertThat(CostCalculator.tierPriced(gpt5, "flex", CALL.inputTokens())).isTrue();
    }

    @Test
    void aTierPricedByInputAndOutputAloneBillsCachedInputAndCacheWritesScaledAlike() {
        // gpt-5.6-sol: standard 5 / 0.5 / 30, cache write 6.25; batch as listed: input 2.5, output 15 (half)
        ModelPrice sol = TABLE.resolve("gpt-5.6-sol").price();
        Usage cached = new Usage(100_000, 80_000, 1_000, 0);
        // standard: 20000 × 5 + 80000 × 0.5 + 1000 × 30 = 100000 + 40000 + 30000 = 170000 per 1M
        assertThat(CostCalculator.cost(sol, cached, null)).isEqualByComparingTo("0.17");
        // batch: 20000 × 2.5 + 80000 × 0.25 + 1000 × 15 = 50000 + 20000 + 15000; it was 0.265 (cached at 2.5),
        // dearer than the same call at standard
        assertThat(CostCalculator.cost(sol, cached, "batch")).isEqualByComparingTo("0.085");
        // cache writes: 8 × 2.5 + 4012 × 3.125 + 4 × 15 = 20 + 12537.5 + 60
        assertThat(CostCalculator.cost(sol, new Usage(4_020, 0, 4, 0, 4_012), "batch")).isEqualByComparingTo("0.0126175");
        // a tier that names its cached price keeps it: gpt-4.1 priority 3.5 / 0.875 / 14
        ModelPrice g41 = TABLE.resolve("gpt-4.1").price();
        assertThat(CostCalculator.cost(g41, new Usage(1_000_000, 1_000_000, 0, 0), "priority")).isEqualByComparingTo("0.875");
    }

    @Test
    void anthropicsOlderHaikusHaveTheirBatchPrices() {
        // claude-3-5-haiku batch 0.4 / 2.0 (Anthropic's pricing page): 1M in + 200k out = 0.4 + 0.4
        ModelPrice haiku = TABLE.resolve("claude-3-5-haiku-20241022").price();
        assertThat(CostCalculator.cost(haiku, new Usage(1_000_000, 0, 200_000, 0), "batch")).isEqualByComparingTo("0.8");
        ModelPrice haiku3 = TABLE.resolve("claude-3-haiku-20240307").price();
        assertThat(CostCalculator.tierPriced(haiku3, "batch", 1_000)).isTrue();
        assertThat(CostCalculator.cost(haiku3, new Usage(1_000_000, 0, 1_000_000, 0), "batch")).isEqualByComparingTo("0.75");
    }

    @Test
    void standardNamesAndAbsenceAreTheStandardPrice() {
        ModelPrice gpt5 = TABLE.resolve("gpt-5").price();
        for (String standard : new String[] {null, "", "default", "auto", "standard", "DEFAULT"}) {
            assertThat(CostCalculator.cost(gpt5, CALL, standard)).isEqualTo(CostCalculator.cost(gpt5, CALL));
            assertThat(CostCalculator.tierPriced(gpt5, standard, CALL.inputTokens())).isTrue();
        }
    }

    @Test
    void anUnknownTierIsPricedAtStandardAndReportedUnpriced() {
        ModelPrice gpt5 = TABLE.resolve("gpt-5").price();
        assertThat(CostCalculator.cost(gpt5, CALL, "scale")).isEqualTo(new BigDecimal("0.0028"));
        assertThat(CostCalculator.tierPriced(gpt5, "scale", CALL.inputTokens())).isFalse();
        // gpt-5 has no ultrafast in the table
        assertThat(CostCalculator.tierPriced(gpt5, "ultrafast", CALL.inputTokens())).isFalse();
    }

    @Test
    void todaysDefaultModelHasItsTiersAsMultipliersLongContextIncluded() {
        ModelPrice sol = TABLE.resolve("gpt-6.2-sol").price();
        // standard 2 / 0.1 / 10 (cache write 2.5): 600 × 2 + 400 × 0.1 + 200 × 10 = 1200 + 40 + 2000 = 3240
        assertThat(CostCalculator.cost(sol, CALL, null)).isEqualTo(new BigDecimal("0.00324"));
        assertThat(CostCalculator.cost(sol, CALL, "priority")).isEqualTo(new BigDecimal("0.00648"));
        assertThat(CostCalculator.cost(sol, CALL, "ultrafast")).isEqualTo(new BigDecimal("0.00972"));
        assertThat(CostCalculator.cost(sol, CALL, "batch")).isEqualTo(new BigDecimal("0.00162"));
        // above 272K: long context 4 / 0.2 / 15 (cache write 5), Fast twice that "for the same context length":
        // 300000 × 8 + 100 × 30 = 2400000 + 3000
        Usage longCall = new Usage(300_000, 0, 100, 0);
        assertThat(CostCalculator.cost(sol, longCall, "fast")).isEqualTo(new BigDecimal("2.403"));
        assertThat(CostCalculator.tierPriced(sol, "fast", longCall.inputTokens())).isTrue();
        // cache writes at the tier too: 1000 written × 2.5 × 2
        assertThat(CostCalculator.cost(sol, new Usage(1_000, 0, 0, 0, 1_000), "priority")).isEqualTo(new BigDecimal("0.005"));
    }

    @Test
    void aReservationCoversTheRequestedTierAndNeverLessThanStandard() {
        ModelPrice gpt5 = TABLE.resolve("gpt-5").price();
        // 1000 × 1.25 + 500 × 10 = 6250 standard; priority 1000 × 2.5 + 500 × 20 = 12500; flex half of standard
        assertThat(CostCalculator.worstCase(gpt5, 1000, 500, null)).isEqualTo(new BigDecimal("0.00625"));
        assertThat(CostCalculator.worstCase(gpt5, 1000, 500, "priority")).isEqualTo(new BigDecimal("0.0125"));
        assertThat(CostCalculator.worstCase(gpt5, 1000, 500, "flex")).isEqualTo(new BigDecimal("0.00625"));
        assertThat(CostCalculator.worstCase(gpt5, 1000, 500, "scale")).isEqualTo(new BigDecimal("0.00625"));
    }

    @Test
    void aTierWithoutLongContextPricesIsStandardAboveTheThreshold() {
        ModelPrice p = ModelPrice.of("2.5", "0.25", "15")
                .withLongContext(new LongContextTier(272_000, new BigDecimal("5"), new BigDecimal("0.5"), new BigDecimal("22.5")))
                .withTiers(Map.of("priority", new TierPrice(new BigDecimal("5"), new BigDecimal("0.5"), new BigDecimal("30"), null, null)));
        Usage longCall = new Usage(272_001, 0, 1_000, 0);
        // the standard long-context prices: 272001 × 5 + 1000 × 22.5
        assertThat(CostCalculator.cost(p, longCall, "priority")).isEqualTo(new BigDecimal("1.382505"));
        assertThat(CostCalculator.tierPriced(p, "priority", longCall.inputTokens())).isFalse();
        assertThat(CostCalculator.tierPriced(p, "priority", 272_000)).isTrue();
    }

    @Test
    void pricingFileGivesTiersAsPricesOrMultipliers() throws Exception {
        Path file = Files.writeString(dir.resolve("prices.yaml"), """
                models:
                  my-model:
                    input: 1
                    cached_input: 0.1
                    output: 8
                    long_context: {above_input_tokens: 1000, input: 2, output: 12}
                    tiers:
                      flex: {multiplier: 0.5}
                      priority: {input: 3, output: 20, long_context: {above_input_tokens: 1000, input: 6, output: 30}}
                """);
        ModelPrice p = PricingTable.load(file).resolve("my-model").price();
        assertThat(p.tier("flex")).isEqualTo(new TierPrice(new BigDecimal("0.5"), new BigDecimal("0.05"), new BigDecimal("4"),
                null, new LongContextTier(1000, BigDecimal.ONE, null, new BigDecimal("6"))));
        assertThat(p.tier("fast")).isEqualTo(p.tier("priority"));
        assertThat(p.tier("priority").cachedInput()).isNull();
        // priority names no cached price: billed at the model's (0.1) scaled as the tier scales input (1 → 3)
        assertThat(CostCalculator.cost(p, new Usage(1_000, 1_000, 0, 0), "priority")).isEqualByComparingTo("0.0003");
        assertThat(PricingTableFormatter.json(PricingTable.load(file))).contains("\"flex\" : {");
    }

    @Test
    void badTiersAreReportedWhole() throws Exception {
        Path file = Files.writeString(dir.resolve("prices.yaml"), """
                models:
                  m:
                    input: 1
                    output: 2
                    tiers:
                      fast: {input: 1, output: 2}
                      flex: {multiplier: 0.5, input: 1}
                      batch: {input: 1}
                      priority: {input: 1, output: 2, long_context: {above_input_tokens: 5, input: 1, output: 2}}
                """);
        PricingException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> PricingTable.load(file),
                PricingException.class);
        assertThat(e.errors()).anySatisfy(err -> assertThat(err).contains("models.m.tiers.fast: unknown tier name"))
                .anySatisfy(err -> assertThat(err).contains("models.m.tiers.flex.input: given with multiplier"))
                .anySatisfy(err -> assertThat(err).contains("models.m.tiers.batch.output: missing"))
                .anySatisfy(err -> assertThat(err).contains("models.m.tiers.priority.long_context.above_input_tokens: 5"));
    }
}

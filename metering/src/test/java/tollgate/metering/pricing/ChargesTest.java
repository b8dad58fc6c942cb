package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.math.BigDecimal;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tollgate.metering.pricing.Charge.Part;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/** {@link CostCalculator#charges}: a call's cost part by part, adding up to {@link CostCalculator#cost} exactly. */
class ChargesTest {
    private static final PricingTable TABLE = PricingTable.builtIn();

    @Test
    void aClaudeCallSplitsIntoUncachedReadsBothWriteLifetimesAndOutput() {
        // claude-sonnet-5-5: 6000 input = 1000 uncached + 2000 read + 3000 written (1000 for an hour); 500 out
        Usage u = new Usage(6000, 2000, 500, 0, 3000, 0, 0, 0, 0, 1000);
        List<Charge> c = charges("claude-sonnet-5-5", u, UnitCounts.ZERO, null, null);

        assertThat(c).extracting(Charge::part, Charge::quantity, Charge::unitPrice, Charge::usd).containsExactly(
                tuple(Part.INPUT, new BigDecimal(1000), new BigDecimal("2"), new BigDecimal("0.002000")),
                tuple(Part.CACHED_INPUT, new BigDecimal(2000), new BigDecimal("0.1"), new BigDecimal("0.0002000")),
                tuple(Part.CACHE_WRITE, new BigDecimal(2000), new BigDecimal("2.5"), new BigDecimal("0.0050000")),
                tuple(Part.CACHE_WRITE_1H, new BigDecimal(1000), new BigDecimal("4"), new BigDecimal("0.004000")),
                tuple(Part.OUTPUT, new BigDecimal(500), new BigDecimal("10"), new BigDecimal("0.005000")));
        assertThat(Charge.total(c)).isEqualTo(new BigDecimal("0.0162")).isEqualTo(cost("claude-sonnet-5-5", u,
                UnitCounts.ZERO, null, null));
    }

    @Test
    void unitsBesideTokensAreChargesOfTheirOwn() {
        // a search preview call: its tokens and 1 search at $25 per 1,000
        List<Charge> search = charges("gpt-4o-mini-search-preview", new Usage(100, 0, 50, 0), units(1, 0, "0", 0),
                null, null);
        assertThat(search).extracting(Charge::part).containsExactly(Part.INPUT, Part.OUTPUT, Part.WEB_SEARCH);
        assertThat(search.get(2).usd()).isEqualByComparingTo("0.025");
        // whisper: 8.5 s at 0.006 per minute
        List<Charge> audio = charges("whisper-1", Usage.ZERO, units(0, 0, "8.5", 0), null, null);
        assertThat(audio).extracting(Charge::part, Charge::quantity).containsExactly(tuple(Part.AUDIO, new BigDecimal("8.5")));
        assertThat(audio.get(0).usd()).isEqualByComparingTo("0.00085");
        // a dall-e-3 image by its option; and gpt-image-1, whose images are paid for by their tokens: $0, no price
        assertThat(charges("dall-e-3", Usage.ZERO, units(0, 2, "0", 0), "hd/1024x1792", null))
                .extracting(Charge::part, Charge::usd).containsExactly(tuple(Part.IMAGE, new BigDecimal("0.24")));
        List<Charge> image = charges("gpt-image-1", new Usage(100, 0, 4160, 0, 0, 0, 0, 50, 4160), units(0, 1, "0", 0),
                null, null);
        assertThat(image).extracting(Charge::part).containsExactly(Part.INPUT, Part.IMAGE_INPUT, Part.OUTPUT, Part.IMAGE);
        assertThat(image.get(3).unitPrice()).isNull();
        assertThat(image.get(3).usd()).isZero();
    }

    @Test
    void theChargesAddUpToTheCostAtEveryTierAndAcrossTheLongContextThreshold() {
        Usage small = new Usage(10_000, 4_000, 700, 300);
        Usage big = new Usage(300_000, 100_000, 2_000, 0);
        for (String model : List.of("gpt-4o", "gpt-4o-mini", "gpt-5.4", "claude-sonnet-4-5", "claude-opus-4-6")) {
            for (Usage u : List.of(small, big)) {
                for (String tier : new String[] {null, "batch", "flex", "priority"}) {
                    BigDecimal cost = cost(model, u, UnitCounts.ZERO, null, tier);
                    assertThat(Charge.total(charges(model, u, UnitCounts.ZERO, null, tier)))
                            .as(model + " " + u + " " + tier).isEqualTo(cost);
                }
            }
        }
    }

    @Test
    void aCallWithoutAPriceSplitsIntoTheSameQuantitiesAtZero() {
        Usage u = new Usage(6000, 2000, 500, 0, 3000, 0, 0, 0, 0, 1000);
        List<Charge> priced = charges("claude-sonnet-5-5", u, units(2, 0, "0", 0), null, null);
        List<Charge> unpriced = CostCalculator.unpricedCharges(u, units(2, 0, "0", 0));

        assertThat(unpriced).extracting(Charge::part, Charge::quantity)
                .containsExactlyElementsOf(priced.stream().map(c -> tuple(c.part(), c.quantity())).toList());
        assertThat(unpriced).allSatisfy(c -> {
            assertThat(c.unitPrice()).isNull();
            assertThat(c.usd()).isZero();
        });
    }

    private static List<Charge> charges(String model, Usage tokens, UnitCounts units, @Nullable String imageOption,
                                        @Nullable String tier) {
        PricedModel p = TABLE.resolve(model);
        assertThat(p).as(model).isNotNull();
        List<Charge> c = CostCalculator.charges(p.price(), new Billable(tokens, units, tier, imageOption));
        assertThat(c).as(model).isNotNull();
        return c;
    }

    private static BigDecimal cost(String model, Usage tokens, UnitCounts units, @Nullable String imageOption,
                                   @Nullable String tier) {
        return CostCalculator.cost(TABLE.resolve(model).price(), new Billable(tokens, units, tier, imageOption));
    }

    private static UnitCounts units(long webSearches, long images, String audioSeconds, long characters) {
        return new UnitCounts(0, 0, 0, 0, webSearches, images, new BigDecimal(audioSeconds), characters);
    }
}

package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.metering.usage.Usage;

class PricingTableTest {
    private static final PricingTable TABLE = PricingTable.builtIn();

    @ParameterizedTest(name = "{0} is priced as {1}")
    @CsvSource(nullValues = "null", value = {
        // exact names
        "gpt-4o,                          gpt-4o",
        "gpt-4o-mini,                     gpt-4o-mini",
        "gpt-4.1-nano,                    gpt-4.1-nano",
        "o3-mini,                         o3-mini",
        "chatgpt-4o-latest,               chatgpt-4o-latest",
        "claude-3-7-sonnet-20250219,      claude-3-7-sonnet-20250219",
        // an exact dated entry with its own price wins over its family
        "gpt-4o-2024-05-13,               gpt-4o-2024-05-13",
        // built-in aliases: listed snapshots priced like their family
        "gpt-4o-2024-08-06,               gpt-4o",
        "gpt-4o-mini-2024-07-18,          gpt-4o-mini",
        "gpt-3.5-turbo-0125,              gpt-3.5-turbo",
        "claude-haiku-4-5-20251001,       claude-haiku-4-5",
        // unlisted snapshots: the longest priced name followed by a date suffix
        "gpt-4o-2031-01-02,               gpt-4o",
        "gpt-4o-mini-2031-01-02,          gpt-4o-mini",
        "gpt-4.1-nano-2031-01-02,         gpt-4.1-nano",
        "gpt-4-0613,                      gpt-4",
        "gpt-4-0314,                      gpt-4",
        "claude-sonnet-4-6-20260101,      claude-sonnet-4-6",
        "claude-sonnet-4-6@20260101,      claude-sonnet-4-6",
        // the GPT-6 family (2026-12-02): no dated snapshot is named, so a dated name falls back to its family
        "gpt-6.2-sol,                     gpt-6.2-sol",
        "gpt-6.2-sol-2026-11-17,          gpt-6.2-sol",
        "gpt-6.2-astra-2026-11-17,        gpt-6.2-astra",
        "gpt-6.1-sol-2026-09-29,          gpt-6.1-sol",
        "gpt-6.1-terra-2026-10-26,        gpt-6.1-terra",
        "gpt-6-sol-2026-09-22,            gpt-6-sol",
        "gpt-6-luna-2026-09-22,           gpt-6-luna",
        "gpt-6-astra-2026-09-03,          gpt-6-astra",
        // models the sources did not find, and no bare gpt-6
        "gpt-6,                           null",
        "gpt-6-terra,                     null",
        "gpt-6.1-luna,                    null",
        "gpt-6.2-luna-2026-11-17,         null",
        "gpt-6-astra-pro,                 null",
        // Claude: families under the current file's names, dated IDs as aliases
        "claude-opus-4-20250514,          claude-opus-4",
        "claude-sonnet-4-20250514,        claude-sonnet-4",
        "claude-haiku-3,                  claude-3-haiku-20240307",
        "claude-haiku-3-5,                claude-3-5-haiku-20241022",
        "claude-opus-5-5-20260922,        claude-opus-5-5",
        "claude-sonnet-5-5,               claude-sonnet-5-5",
        "claude-fable-5-2,                claude-fable-5-2",
        // not a date or version suffix: another model, no fallback to a shorter name
        "gpt-4o-mini-realtime-preview,    null",
        "gpt-4o-mega,                     null",
        "gpt-4.1-nano-pro,                null",
        "gpt-4-1106-preview,              null",
        "gpt-4o-latest,                   null",
        "gpt-4-1399,                      null",
        "gpt-4o-2024-13-01,               null",
        "gpt-4o-20240806x,                null",
        "ft:gpt-4o-mini-2024-07-18:acme::abc123, null",
        "GPT-4O,                          null",
        "unknown-model,                   null",
        "-2024-08-06,                     null",
    })
    void resolvesModelNames(String model, @Nullable String pricedAs) {
        PricedModel p = TABLE.resolve(model);
        assertThat(p == null ? null : p.name()).isEqualTo(pricedAs);
    }

    @Test
    void miniAndNanoKeepTheirOwnPrices() {
        assertThat(TABLE.resolve("gpt-4o-mini-2031-01-02").price().input()).isEqualByComparingTo("0.15");
        assertThat(TABLE.resolve("gpt-4.1-nano-2031-01-02").price().input()).isEqualByComparingTo("0.1");
        assertThat(TABLE.resolve("gpt-4o-2024-05-13").price().withTiers(Map.of()).withUnits(UnitPrices.NONE)).isEqualTo(ModelPrice.of("5", null, "15")
                .withMaxOutputTokens(4096L).withCheaperAlternative("gpt-4o"));
    }

    @Test
    void responseModelIsPricedFirstThenTheRequestModel() {
        assertThat(TABLE.resolve("gpt-4o-mini-2024-07-18", "gpt-4o").name()).isEqualTo("gpt-4o-mini");
        assertThat(TABLE.resolve("internal-snapshot-xyz", "gpt-4o").name()).isEqualTo("gpt-4o");
        assertThat(TABLE.resolve(null, "gpt-4.1").name()).isEqualTo("gpt-4.1");
        assertThat(TABLE.resolve("gpt-5", null).name()).isEqualTo("gpt-5");
        assertThat(TABLE.resolve("internal-snapshot-xyz", "my-finetune")).isNull();
        assertThat(TABLE.resolve(null, null)).isNull();
        assertThat(TABLE.resolve("", "")).isNull();
    }

    @Test
    void resolvingTheSameNameTwiceGivesTheSameAnswer() {
        assertThat(TABLE.resolve("gpt-4o-2031-01-02")).isEqualTo(TABLE.resolve("gpt-4o-2031-01-02"));
        assertThat(TABLE.resolve("x".repeat(10_000) + "-2024-08-06")).isNull();
    }

    @Test
    void builtInTableCarriesItsSourceAndDate() {
        assertThat(TABLE.date()).isEqualTo("2026-12-02");
        assertThat(TABLE.source()).startsWith("current-prices-2026-12.json")
                .contains("\"official\"", "\"secondary\"", "reference-prices.json", "00035b69f416");
        assertThat(TABLE.overrideFile()).isNull();
    }

    @Test
    void builtInNotesSayWhatTheFormatCannotExpressYet() throws Exception {
        try (var in = PricingTable.class.getResourceAsStream("/tollgate/pricing/builtin-prices.json")) {
            String notes = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).get("notes").toString();
            assertThat(notes).contains("12-hour cache writes", "cache_write_1h", "web-search", "scheduled",
                    "gpt-5.4-pro", "claude-mythos-5-2", "Anthropic tiers");
        }
    }

    @Test
    void builtInTableHasEveryReferenceModelAsAModelOrAnAlias() {
        // reference-prices.json lists 108 OpenAI and Anthropic models; 39 snapshots equal their family.
        // current-prices-2026-12.json adds 7 GPT-6 and 12 Claude models; claude-opus-4 and claude-sonnet-4
        // become the families of their dated IDs, and claude-haiku-3 / claude-haiku-3-5 name the API IDs.
        // 12 image, speech, transcription and search-preview models were added on 2026-12-03 (README).
        assertThat(TABLE.entries()).hasSize(69 + 7 + 12 - 2 + 12);
        assertThat(TABLE.aliases()).hasSize(39 + 2 + 2);
        assertThat(TABLE.entries()).extracting(PricedModel::name).isSorted();
    }

    @ParameterizedTest(name = "{0}: {1} / {2} / {3}, cache write {4}, above 272K {5} / {6} / {7}")
    @CsvSource(nullValues = "null", value = {
        // model,      input, cached, output, cache write, long-context input, cached, output, cache write, alternative
        "gpt-6.2-astra, 8,    0.4,    40,     null,        null, null, null, null,  gpt-6.2-sol",
        "gpt-6.2-sol,   2,    0.1,    10,     2.5,         4,    0.2,  15,   5,     gpt-6.1-terra",
        "gpt-6.1-sol,   2,    0.1,    10,     2.5,         4,    0.2,  15,   5,     gpt-6.1-terra",
        "gpt-6-sol,     2,    0.2,    10,     2.5,         4,    0.4,  15,   5,     gpt-6.1-terra",
        "gpt-6-astra,   10,   1,      50,     12.5,        20,   2,    75,   25,    gpt-6.2-astra",
        "gpt-6.1-terra, 1,    0.05,   5,      1.25,        2,    0.1,  7.5,  2.5,   gpt-6-luna",
        "gpt-6-luna,    0.1,  0.01,   0.5,    0.125,       0.2,  0.02, 0.75, 0.25,  null",
        // the 2026-07-30 cuts of GPT-5.6 Luna and Terra are in force
        "gpt-5.6-luna,  0.2,  0.02,   1.2,    0.25,        0.4,  0.04, 1.8,  0.5,   gpt-6-luna",
        "gpt-5.6-terra, 2,    0.2,    12,     2.5,         4,    0.4,  18,   5,     gpt-6.1-terra",
        // GPT-5.6 Sol: the list price restored on 2026-12-01, not the ended $4/$20 promotion
        "gpt-5.6-sol,   5,    0.5,    30,     6.25,        10,   1,    45,   12.5,  gpt-6.2-sol",
    })
    void openAiModelsHaveTheirPricesOf20261202(String model, String input, @Nullable String cached, String output,
                                                @Nullable String cacheWrite, @Nullable String lcInput,
                                                @Nullable String lcCached, @Nullable String lcOutput,
                                                @Nullable String lcCacheWrite, @Nullable String alternative) {
        PricedModel p = TABLE.resolve(model);
        assertThat(p.name()).isEqualTo(model);
        ModelPrice expected = new ModelPrice(new BigDecimal(input), decimal(cached), new BigDecimal(output),
                decimal(cacheWrite), p.price().maxOutputTokens(),
                lcInput == null ? null : new LongContextTier(272_000, new BigDecimal(lcInput), decimal(lcCached),
                        new BigDecimal(lcOutput), decimal(lcCacheWrite)),
                alternative);
        // tiers: ServiceTierPricingTest
        assertThat(p.price().withTiers(Map.of()).withUnits(UnitPrices.NONE)).isEqualTo(expected);
    }

    @Test
    void gpt6ModelsHaveNoOutputCapInTheSources() {
        for (String m : new String[] {"gpt-6.2-astra", "gpt-6.2-sol", "gpt-6.1-sol", "gpt-6-sol", "gpt-6-astra",
            "gpt-6.1-terra", "gpt-6-luna"}) {
            assertThat(TABLE.get(m).price().maxOutputTokens()).as(m).isNull();
        }
        assertThat(TABLE.get("gpt-5.6-luna").price().maxOutputTokens()).isEqualTo(128_000L);
    }

    @Test
    void aLongContextGpt6CallIsPricedEntirelyAtTheTier() {
        PricedModel sol = TABLE.resolve("gpt-6.2-sol-2026-11-17");
        // 300K input: (300000 − 100000 − 20000) × 4 + 100000 × 0.2 + 20000 × 5 + 2000 × 15 = 720000 + 20000 + 100000 + 30000
        assertThat(CostCalculator.cost(sol.price(), new Usage(300_000, 100_000, 2_000, 0, 20_000)))
                .isEqualTo(new BigDecimal("0.87"));
        // exactly 272,000 input tokens is still short context: 152000 × 2 + 100000 × 0.1 + 20000 × 2.5 + 2000 × 10
        assertThat(CostCalculator.cost(sol.price(), new Usage(272_000, 100_000, 2_000, 0, 20_000)))
                .isEqualTo(new BigDecimal("0.384"));
        // GPT-6 Astra's stated long-context prices: 272001 × 20 + 1000 × 75
        assertThat(CostCalculator.cost(TABLE.resolve("gpt-6-astra").price(), new Usage(272_001, 0, 1_000, 0)))
                .isEqualTo(new BigDecimal("5.51502"));
        // GPT-6.2 Astra's long-context rule was not found: no tier, base prices (300000 × 8 + 1000 × 40)
        assertThat(CostCalculator.cost(TABLE.resolve("gpt-6.2-astra").price(), new Usage(300_000, 0, 1_000, 0)))
                .isEqualTo(new BigDecimal("2.44"));
    }

    @Test
    void proModelsWithAnUnresolvedCachedPriceBillCachedTokensAtInput() {
        for (String m : new String[] {"gpt-5.4-pro", "gpt-5.5-pro"}) {
            ModelPrice p = TABLE.get(m).price();
            assertThat(p.input()).as(m).isEqualByComparingTo("30");
            assertThat(p.output()).as(m).isEqualByComparingTo("180");
            assertThat(p.cachedInput()).as(m).isNull();
            assertThat(p.longContext().cachedInput()).as(m).isNull();
        }
    }

    @ParameterizedTest(name = "{0}: {1} / {2} / {3}, 5-minute cache write {4}")
    @CsvSource(nullValues = "null", value = {
        "claude-fable-5-2,  8,   0.2,  40,  10",
        "claude-mythos-5-2, 8,   0.2,  40,  null",
        "claude-fable-5-1,  10,  0.25, 50,  12.5",
        "claude-mythos-5-1, 10,  0.25, 50,  12.5",
        "claude-fable-5,    10,  1,    50,  12.5",
        "claude-mythos-5,   10,  1,    50,  12.5",
        "claude-opus-5-5,   4,   0.2,  20,  5",
        "claude-opus-5,     5,   0.5,  25,  6.25",
        "claude-opus-4,     15,  1.5,  75,  18.75",
        // cache read cut from 0.20 to 0.10 on 2026-10-07 (secondary sources; the official snapshot predates it)
        "claude-sonnet-5-5, 2,   0.1,  10,  2.5",
        // the 2026-09-01 increase to $3/$15 was cancelled
        "claude-sonnet-5,   2,   0.2,  10,  2.5",
        "claude-sonnet-4,   3,   0.3,  15,  3.75",
        "claude-haiku-5-5,  0.1, 0.01, 0.5, 0.125",
        "claude-haiku-3-5,  0.8, 0.08, 4,   1",
        "claude-haiku-3,    0.25, 0.03, 1.25, 0.3",
    })
    void anthropicModelsHaveTheirPricesOf20261202(String model, String input, String cached, String output,
                                                  @Nullable String cacheWrite) {
        ModelPrice p = TABLE.resolve(model).price();
        assertThat(p.input()).isEqualTo(new BigDecimal(input));
        assertThat(p.cachedInput()).isEqualTo(new BigDecimal(cached));
        assertThat(p.output()).isEqualTo(new BigDecimal(output));
        assertThat(p.cacheWrite()).isEqualTo(decimal(cacheWrite));
    }

    @Test
    void claudeHaiku55IsPricedAtItsUpperBandAbove100kPromptTokens() {
        ModelPrice haiku = TABLE.get("claude-haiku-5-5").price();
        assertThat(haiku.longContext()).isEqualTo(new LongContextTier(100_000, new BigDecimal("0.5"), new BigDecimal("0.05"),
                new BigDecimal("2.5"), new BigDecimal("0.625")));
        assertThat(TABLE.get("claude-sonnet-4").price().longContext()).isEqualTo(TABLE.get("claude-sonnet-4-5").price().longContext());
        assertThat(TABLE.get("claude-opus-5-5").price().longContext()).isNull();
        assertThat(TABLE.get("claude-fable-5-2").price().longContext()).isNull();
    }

    @Test
    void builtInPricesAreThoseOfTheReference() {
        assertThat(TABLE.get("gpt-4o").price().withTiers(Map.of()).withUnits(UnitPrices.NONE)).isEqualTo(new ModelPrice(new BigDecimal("2.5"), new BigDecimal("1.25"),
                new BigDecimal("10"), null, 16384L, null, "gpt-4o-mini"));
        assertThat(TABLE.get("gpt-5.4").price().longContext()).isEqualTo(new LongContextTier(272_000,
                new BigDecimal("5"), new BigDecimal("0.5"), new BigDecimal("22.5"), null));
        ModelPrice sonnet = TABLE.get("claude-sonnet-4-5").price();
        assertThat(sonnet.cacheWrite()).isEqualByComparingTo("3.75");
        assertThat(sonnet.longContext()).isEqualTo(new LongContextTier(200_000, new BigDecimal("6"), new BigDecimal("0.6"),
                new BigDecimal("22.5"), new BigDecimal("7.5")));
        assertThat(TABLE.get("text-embedding-3-small").price().withTiers(Map.of()).withUnits(UnitPrices.NONE)).isEqualTo(ModelPrice.of("0.02", null, "0"));
        assertThat(TABLE.get("gpt-4").price().cachedInput()).isNull();
    }

    @Test
    void builtInCheaperAlternativesNamePricedModels() {
        assertThat(TABLE.get("gpt-4o").price().cheaperAlternative()).isEqualTo("gpt-4o-mini");
        assertThat(TABLE.get("gpt-4.1").price().cheaperAlternative()).isEqualTo("gpt-4.1-mini");
        assertThat(TABLE.get("o3").price().cheaperAlternative()).isEqualTo("o4-mini");
        assertThat(TABLE.get("gpt-5").price().cheaperAlternative()).isEqualTo("gpt-5-mini");
        for (PricedModel m : TABLE.entries()) {
            String alt = m.price().cheaperAlternative();
            if (alt != null) {
                PricedModel target = TABLE.get(alt);
                assertThat(target).as(m.name() + " -> " + alt).isNotNull();
                assertThat(target.price().output()).as(m.name() + " -> " + alt).isLessThan(m.price().output());
            }
        }
    }

    @Test
    void newerCheaperSuccessorsAreSuggested() {
        assertThat(TABLE.get("gpt-6-astra").price().cheaperAlternative()).isEqualTo("gpt-6.2-astra");
        assertThat(TABLE.get("gpt-5.6-terra").price().cheaperAlternative()).isEqualTo("gpt-6.1-terra");
        assertThat(TABLE.get("claude-fable-5-1").price().cheaperAlternative()).isEqualTo("claude-fable-5-2");
        assertThat(TABLE.get("claude-opus-5").price().cheaperAlternative()).isEqualTo("claude-opus-5-5");
    }

    @Test
    void getDoesNotFallBackToTheFamily() {
        assertThat(TABLE.get("gpt-4o-mini-2024-07-18").name()).isEqualTo("gpt-4o-mini");
        assertThat(TABLE.get("gpt-4o-2031-01-02")).isNull();
    }

    private static @Nullable BigDecimal decimal(@Nullable String s) {
        return s == null ? null : new BigDecimal(s);
    }
}

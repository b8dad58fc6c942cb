package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
        // not a date or version suffix: another model, no fallback to a shorter name
        "gpt-4o-mini-search-preview,      null",
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
        assertThat(TABLE.resolve("gpt-4o-2024-05-13").price()).isEqualTo(ModelPrice.of("5", null, "15")
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
        assertThat(TABLE.date()).isEqualTo("2026-11-22");
        assertThat(TABLE.source()).startsWith("LiteLLM model_prices_and_context_window.json").contains("00035b69f416");
        assertThat(TABLE.overrideFile()).isNull();
    }

    @Test
    void builtInTableHasEveryReferenceModelAsAModelOrAnAlias() {
        // reference-prices.json lists 108 OpenAI and Anthropic models; 39 snapshots equal their family.
        assertThat(TABLE.entries()).hasSize(69);
        assertThat(TABLE.aliases()).hasSize(39);
        assertThat(TABLE.entries()).extracting(PricedModel::name).isSorted();
    }

    @Test
    void builtInPricesAreThoseOfTheReference() {
        assertThat(TABLE.get("gpt-4o").price()).isEqualTo(new ModelPrice(new BigDecimal("2.5"), new BigDecimal("1.25"),
                new BigDecimal("10"), null, 16384L, null, "gpt-4o-mini"));
        assertThat(TABLE.get("gpt-5.4").price().longContext()).isEqualTo(new LongContextTier(272_000,
                new BigDecimal("5"), new BigDecimal("0.5"), new BigDecimal("22.5"), null));
        ModelPrice sonnet = TABLE.get("claude-sonnet-4-5").price();
        assertThat(sonnet.cacheWrite()).isEqualByComparingTo("3.75");
        assertThat(sonnet.longContext()).isEqualTo(new LongContextTier(200_000, new BigDecimal("6"), new BigDecimal("0.6"),
                new BigDecimal("22.5"), new BigDecimal("7.5")));
        assertThat(TABLE.get("text-embedding-3-small").price()).isEqualTo(ModelPrice.of("0.02", null, "0"));
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
    void getDoesNotFallBackToTheFamily() {
        assertThat(TABLE.get("gpt-4o-mini-2024-07-18").name()).isEqualTo("gpt-4o-mini");
        assertThat(TABLE.get("gpt-4o-2031-01-02")).isNull();
    }
}

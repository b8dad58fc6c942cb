package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate pricing import} and {@code diff} on small hand-made catalogs of both public formats. */
class CatalogImportTest {
    private static final LocalDate TODAY = LocalDate.of(2026, 12, 2);

    @TempDir
    Path dir;

    @Test
    void litellmKeepsOpenAiAndAnthropicModelsWithTheFieldsTollgatePrices() throws Exception {
        CatalogImport.Result r = CatalogImport.read(file("litellm.json"), CatalogFormat.LITELLM, TODAY);
        assertThat(r.models()).containsOnlyKeys("gpt-4o", "gpt-5", "claude-sonnet-4-5", "gpt-4o-audio-preview",
                "my-new-model");
        // sample_spec, openai/gpt-4o, gemini-2.5-pro, dall-e-3 (per pixel)
        assertThat(r.skipped()).isEqualTo(4);
        // 2.5e-06 per token is exactly 2.5 per 1M: no binary rounding
        assertThat(r.models().get("gpt-4o")).isEqualTo(ModelPrice.of("2.5", "1.25", "10").withMaxOutputTokens(16384L)
                .withTiers(Map.of("batch", new TierPrice(new BigDecimal("1.25"), null, new BigDecimal("5"), null, null))));
        assertThat(r.models().get("gpt-5").tier("flex")).isEqualTo(new TierPrice(new BigDecimal("0.625"),
                new BigDecimal("0.0625"), new BigDecimal("5"), null, null));
        assertThat(r.models().get("gpt-4o-audio-preview").units().audioInput()).isEqualByComparingTo("40");
    }

    @Test
    void bothFormatsGiveTheSamePricesForSharedModels() throws Exception {
        Map<String, ModelPrice> litellm = CatalogImport.read(file("litellm.json"), CatalogFormat.LITELLM, TODAY).models();
        CatalogImport.Result genai = CatalogImport.read(file("genai-prices.json"), CatalogFormat.GENAI_PRICES, TODAY);
        // google's model and the free moderation model are left out
        assertThat(genai.skipped()).isEqualTo(2);
        List<String> shared = genai.models().keySet().stream().filter(litellm::containsKey).sorted().toList();
        assertThat(shared).containsExactly("claude-sonnet-4-5", "gpt-4o", "gpt-4o-audio-preview", "gpt-5");
        for (String m : shared) {
            // genai-prices has no output caps and no service tiers: the prices themselves must agree
            assertThat(genai.models().get(m)).as(m)
                    .isEqualTo(litellm.get(m).withMaxOutputTokens(null).withTiers(Map.of()));
        }
        // the tiered price is the long context; the conditional price in force today, not the future one
        assertThat(genai.models().get("claude-sonnet-4-5").longContext()).isEqualTo(new LongContextTier(200_000,
                new BigDecimal("6"), new BigDecimal("0.6"), new BigDecimal("22.5"), new BigDecimal("7.5")));
        assertThat(genai.models().get("gpt-4o").input()).isEqualByComparingTo("2.5");
    }

    @Test
    void importWritesAPricingFileTheTableReadsBack() throws Exception {
        CatalogImport.Result r = CatalogImport.read(file("litellm.json"), CatalogFormat.LITELLM, TODAY);
        Path out = Files.writeString(dir.resolve("imported.json"),
                PricingTableFormatter.pricingFile(r.models(), "litellm catalog litellm.json", TODAY.toString()));
        PricingTable t = PricingTable.load(out);
        assertThat(t.get("my-new-model").price()).isEqualTo(ModelPrice.of("1", null, "2"));
        assertThat(t.get("claude-sonnet-4-5").price()).isEqualTo(r.models().get("claude-sonnet-4-5"));
        assertThat(PricingTable.readFile(out)).isEqualTo(r.models());
    }

    @Test
    void diffShowsChangedAddedAndRemovedPricesAgainstTheTable() throws Exception {
        Map<String, ModelPrice> genai = CatalogImport.read(file("genai-prices.json"), CatalogFormat.GENAI_PRICES, TODAY)
                .models();
        List<String> lines = PricingDiff.lines(PricingTable.builtIn(), Map.of("gpt-4o", genai.get("gpt-4o"),
                "gpt-4o-2024-08-06", ModelPrice.of("2.5", "1.25", "10"), "gpt-5", ModelPrice.of("1", "0.1", "8"),
                "my-new-model", ModelPrice.of("1", null, "2")));
        // gpt-4o: the same prices but the table's tiers and web search fee, which the catalog lacks
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("changed gpt-4o: ").contains("tiers.batch.input 1.25 → -")
                        .doesNotContain("input 2.5 → "))
                .anySatisfy(l -> assertThat(l).startsWith("changed gpt-4o-2024-08-06 (gpt-4o): "))
                .anySatisfy(l -> assertThat(l).startsWith("changed gpt-5: ").contains("input 1.25 → 1", "output 10 → 8",
                        "cached_input 0.125 → 0.1"))
                .contains("added   my-new-model: input 1, output 2", "removed gpt-6.2-sol");
        assertThat(lines.get(lines.size() - 1)).matches("3 changed, 1 added, \\d+ removed against the table of 2026-12-02");
    }

    @Test
    void aFileOfTheWrongShapeIsRefusedWithItsFormat() throws Exception {
        PricingException e = catchThrowableOfType(() -> CatalogImport.read(file("genai-prices.json"), CatalogFormat.LITELLM,
                TODAY), PricingException.class);
        assertThat(e.getMessage()).contains("litellm catalog", "model_prices_and_context_window.json");
    }

    private static Path file(String name) throws URISyntaxException {
        return Path.of(CatalogImportTest.class.getResource("/catalogs/" + name).toURI());
    }
}

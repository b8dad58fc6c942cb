package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricingFileTest {
    @TempDir
    Path dir;

    @Test
    void noFileMeansTheBuiltInTable() throws PricingException {
        assertThat(PricingTable.load(null)).isSameAs(PricingTable.builtIn());
    }

    @Test
    void yamlFileAddsAndOverridesModelsAndAliases() throws Exception {
        Path file = write("prices.yaml", """
                models:
                  gpt-4o-mini: {input: 0.15, cached_input: 0.075, output: 0.60}
                  my-finetune: {input: 0.30, output: 1.20, cheaper_alternative: gpt-4o-mini}
                aliases:
                  prod-deployment: gpt-4o
                """);
        PricingTable t = PricingTable.load(file);

        assertThat(t.resolve("my-finetune").price()).isEqualTo(ModelPrice.of("0.3", null, "1.2").withCheaperAlternative("gpt-4o-mini"));
        assertThat(t.resolve("prod-deployment").name()).isEqualTo("gpt-4o");
        // the file's entry replaces the built-in one as a whole: no max_output_tokens, no hint any more
        assertThat(t.get("gpt-4o-mini").price()).isEqualTo(ModelPrice.of("0.15", "0.075", "0.6"));
        // built-in aliases follow the overridden family
        assertThat(t.resolve("gpt-4o-mini-2024-07-18").name()).isEqualTo("gpt-4o-mini");
        assertThat(t.resolve("gpt-4.1").price()).isEqualTo(PricingTable.builtIn().resolve("gpt-4.1").price());
        assertThat(t.date()).isEqualTo(PricingTable.builtIn().date());
        assertThat(t.overrideFile()).isEqualTo(file);
        assertThat(PricingTable.builtIn().resolve("my-finetune")).isNull();
    }

    @Test
    void jsonFileIsReadAsWell() throws Exception {
        Path file = write("prices.json", """
                {"models": {"my-model": {"input": "0.000001", "output": 2, "max_output_tokens": 8192,
                                         "long_context": {"above_input_tokens": 128000, "input": 0.000002, "output": 4}}},
                 "aliases": {"my-alias": "my-model"}}
                """);
        PricingTable t = PricingTable.load(file);
        assertThat(t.resolve("my-alias").price()).isEqualTo(ModelPrice.of("0.000001", null, "2").withMaxOutputTokens(8192L)
                .withLongContext(new LongContextTier(128_000, new BigDecimal("0.000002"), null, new BigDecimal("4"))));
    }

    @Test
    void pricesAreReadWithoutBinaryRounding() throws Exception {
        Path file = write("prices.yaml", "models:\n  m: {input: 0.1, cached_input: 0.0000001, output: 123456789.123456789}\n");
        ModelPrice p = PricingTable.load(file).get("m").price();
        assertThat(p.input().toPlainString()).isEqualTo("0.1");
        assertThat(p.cachedInput().toPlainString()).isEqualTo("0.0000001");
        assertThat(p.output().toPlainString()).isEqualTo("123456789.123456789");
    }

    @Test
    void aDatedModelInTheFileTakesPrecedenceOverTheBuiltInAlias() throws Exception {
        Path file = write("prices.yaml", "models:\n  gpt-4o-2024-08-06: {input: 3, output: 12}\n");
        PricingTable t = PricingTable.load(file);
        assertThat(t.resolve("gpt-4o-2024-08-06").name()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(t.resolve("gpt-4o-2024-08-06").price().input()).isEqualByComparingTo("3");
        assertThat(t.aliases()).doesNotContainKey("gpt-4o-2024-08-06");
    }

    @Test
    void anAliasInTheFileMayRenameABuiltInModel() throws Exception {
        Path file = write("prices.yaml", """
                models:
                  azure-gpt-4o: {input: 2.75, cached_input: 1.375, output: 11}
                aliases:
                  gpt-4o: azure-gpt-4o
                """);
        PricingTable t = PricingTable.load(file);
        assertThat(t.resolve("gpt-4o").name()).isEqualTo("azure-gpt-4o");
        // built-in aliases of gpt-4o now lead to the new price too
        assertThat(t.resolve("gpt-4o-2024-08-06").name()).isEqualTo("azure-gpt-4o");
        // and the built-in hint gpt-4 -> gpt-4o still names something priced
        assertThat(t.get(t.get("gpt-4").price().cheaperAlternative())).isNotNull();
    }

    @Test
    void everyProblemIsReportedWithThePathAndTheValue() throws IOException {
        Path file = write("bad.yaml", """
                modles: {}
                models:
                  a: {input: -1, output: 1}
                  b: {input: cheap, output: 1}
                  c: {input: 1}
                  d: {input: 1, output: 1, colour: red}
                  e: {input: 1, output: 1, max_output_tokens: 0}
                  f: {input: 1, output: 1, long_context: {input: 2, output: 2}}
                  g: {input: 1, output: 1, cheaper_alternative: nothing-like-it}
                  h: [1, 2]
                aliases:
                  x: no-such-model
                  y: {model: gpt-4o}
                """);
        PricingException e = catchThrowableOfType(PricingException.class, () -> PricingTable.load(file));
        String at = "pricing file " + file + ": ";
        assertThat(e.errors()).containsExactlyInAnyOrder(
                at + "modles: unknown key (expected one of: aliases, models, notes, override_file, retrieved, source, "
                        + "unit)",
                at + "models.a.input: '-1' (expected: a decimal number >= 0, USD per 1M tokens)",
                at + "models.b.input: 'cheap' (expected: a decimal number >= 0, USD per 1M tokens)",
                at + "models.c.output: missing (expected: a decimal number >= 0, USD per 1M tokens)",
                at + "models.d.colour: unknown key (expected one of: audio_input, audio_output, cache_write, cache_write_1h, "
                        + "cached_input, cheaper_alternative, image_input, input, long_context, max_output_tokens, output, "
                        + "per_1k_characters, per_call, per_image, per_minute, tiers, web_search_per_1k_calls)",
                at + "models.e.max_output_tokens: '0' (expected: a whole number > 0)",
                at + "models.f.long_context.above_input_tokens: missing (expected: a whole number > 0)",
                at + "models.g.cheaper_alternative: 'nothing-like-it' (expected: a priced model or alias)",
                at + "models.h: a list (expected: a mapping such as {input: 0.15, cached_input: 0.075, output: 0.60})",
                at + "aliases.x: 'no-such-model' (expected: a model priced under models: or in the built-in table)",
                at + "aliases.y: a mapping (expected: a string)");
        assertThat(e).hasMessageContaining("models.a.input: '-1'");
    }

    @Test
    void notesAreAStringOrAListOfStringsAndChangeNoPrice() throws Exception {
        PricingTable listed = PricingTable.load(write("listed.yaml", """
                notes: [Batch prices are not in this file, "prices as of 2026-12-02"]
                models:
                  my-model: {input: 0.3, output: 1.2}
                """));
        PricingTable single = PricingTable.load(write("single.json", """
                {"notes": "one line", "models": {"my-model": {"input": 0.3, "output": 1.2}}}
                """));
        assertThat(listed.entries()).isEqualTo(single.entries());
        assertThat(listed.get("my-model").price()).isEqualTo(ModelPrice.of("0.3", null, "1.2"));

        Path bad = write("bad.yaml", "notes: [fine, {not: a string}]\n");
        PricingException e = catchThrowableOfType(PricingException.class, () -> PricingTable.load(bad));
        assertThat(e.errors()).containsExactly("pricing file " + bad + ": notes: a list (expected: a string or a list of strings)");
        Path number = write("number.yaml", "notes: 42\n");
        assertThat(catchThrowableOfType(PricingException.class, () -> PricingTable.load(number)).errors())
                .containsExactly("pricing file " + number + ": notes: '42' (expected: a string or a list of strings)");
    }

    @Test
    void aliasCyclesAreRefused() throws IOException {
        Path file = write("prices.yaml", "aliases:\n  p: q\n  q: p\n");
        PricingException e = catchThrowableOfType(PricingException.class, () -> PricingTable.load(file));
        assertThat(e.errors()).hasSize(2).allSatisfy(m -> assertThat(m).contains("expected: a model priced under models:"));
    }

    @Test
    void aNameUnderBothModelsAndAliasesIsRefused() throws IOException {
        Path file = write("prices.yaml", "models:\n  m: {input: 1, output: 1}\naliases:\n  m: gpt-4o\n");
        assertThatThrownBy(() -> PricingTable.load(file)).isInstanceOf(PricingException.class)
                .hasMessage("pricing file " + file + ": aliases.m: 'gpt-4o' (expected: a name under models: or under aliases:, not both)");
    }

    @Test
    void duplicateModelNamesAreRefused() throws IOException {
        Path file = write("prices.yaml", "models:\n  m: {input: 1, output: 1}\n  m: {input: 2, output: 2}\n");
        assertThatThrownBy(() -> PricingTable.load(file)).isInstanceOf(PricingException.class)
                .hasMessageStartingWith("pricing file " + file + ": not valid YAML or JSON: Duplicate field 'm'");
    }

    @Test
    void unreadableOrMalformedFilesAreRefusedWithTheirName() throws IOException {
        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> PricingTable.load(missing)).isInstanceOf(PricingException.class)
                .hasMessageStartingWith("pricing file " + missing + ": cannot be read (NoSuchFileException");
        Path broken = write("broken.yaml", "models: {gpt-4o: {input: 1, output: [}\n");
        assertThatThrownBy(() -> PricingTable.load(broken)).isInstanceOf(PricingException.class)
                .hasMessageStartingWith("pricing file " + broken + ": not valid YAML or JSON");
        Path scalar = write("scalar.yaml", "just a string\n");
        assertThatThrownBy(() -> PricingTable.load(scalar)).isInstanceOf(PricingException.class)
                .hasMessage("pricing file " + scalar + ": (top level): 'just a string' (expected: a mapping with models: and aliases:)");
    }

    @Test
    void anEmptyFileChangesNothing() throws Exception {
        PricingTable t = PricingTable.load(write("empty.yaml", ""));
        assertThat(t.entries()).isEqualTo(PricingTable.builtIn().entries());
        assertThat(t.aliases()).isEqualTo(PricingTable.builtIn().aliases());
    }

    @Test
    void theJsonPrintoutIsAValidPricingFile() throws Exception {
        PricingTable original = PricingTable.load(write("prices.yaml", "models:\n  my-model: {input: 0.3, output: 1.2}\n"));
        Path printed = write("printed.json", PricingTableFormatter.json(original));
        PricingTable reloaded = PricingTable.load(printed);
        assertThat(reloaded.entries()).isEqualTo(original.entries());
        assertThat(reloaded.aliases()).isEqualTo(original.aliases());
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}

package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PricingTableFormatterTest {
    private static final PricingTable TABLE = PricingTable.builtIn();

    @Test
    void tableStartsWithUnitDateAndSource() {
        List<String> lines = lines(PricingTableFormatter.table(TABLE));
        assertThat(lines.get(0)).isEqualTo("Prices in USD per 1M tokens, retrieved 2026-12-02");
        assertThat(lines.get(1)).isEqualTo("Source: " + TABLE.source());
        assertThat(lines.get(2)).isEmpty();
        assertThat(lines.get(3)).startsWith("MODEL").contains("INPUT", "CACHED", "OUTPUT", "CACHE WRITE", "MAX OUTPUT");
    }

    @Test
    void numbersAreRightAlignedUnderTheirHeader() {
        List<String> lines = lines(PricingTableFormatter.table(TABLE));
        String header = lines.get(3);
        int inputEnd = header.indexOf("INPUT") + "INPUT".length();
        int outputEnd = header.indexOf(" OUTPUT") + " OUTPUT".length();
        String gpt4o = row(lines, "gpt-4o");
        String nano = row(lines, "gpt-4.1-nano");
        assertThat(gpt4o.substring(0, inputEnd)).endsWith(" 2.5");
        assertThat(nano.substring(0, inputEnd)).endsWith(" 0.1");
        assertThat(gpt4o.substring(0, outputEnd)).endsWith(" 10");
        assertThat(nano.substring(0, outputEnd)).endsWith(" 0.4");
        assertThat(gpt4o).endsWith("16384  gpt-4o-mini          batch,priority");
    }

    @Test
    void absentPricesAndTiersShowADash() {
        List<String> lines = lines(PricingTableFormatter.table(TABLE));
        String header = lines.get(3);
        int cachedEnd = header.indexOf("CACHED") + "CACHED".length();
        assertThat(row(lines, "gpt-4").substring(0, cachedEnd)).endsWith(" -");
        assertThat(row(lines, "gpt-5.4")).contains(">272000: 5 / 0.5 / 22.5");
        assertThat(row(lines, "claude-sonnet-4-5")).contains(">200000: 6 / 0.6 / 22.5 (cache write 7.5)");
        assertThat(row(lines, "gpt-6.2-sol")).matches("gpt-6\\.2-sol +2 +0\\.1 +10 +2\\.5 +>272000: 4 / 0\\.2 / 15 \\(cache write 5\\) +- +gpt-6\\.1-terra +batch,priority,ultrafast");
        assertThat(row(lines, "gpt-6.2-astra")).matches("gpt-6\\.2-astra +8 +0\\.4 +40 +- +- +- +gpt-6\\.2-sol +-");
    }

    @Test
    void aliasesAreListedAfterTheModels() {
        List<String> lines = lines(PricingTableFormatter.table(TABLE));
        int aliasHeader = lines.indexOf(lines.stream().filter(l -> l.startsWith("ALIAS")).findFirst().orElseThrow());
        assertThat(aliasHeader).isGreaterThan(lines.indexOf(row(lines, "o4-mini")));
        assertThat(lines).anyMatch(l -> l.matches("gpt-4o-mini-2024-07-18 +gpt-4o-mini"));
    }

    @Test
    void tableNamesThePricingFileInEffect(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("p.yaml"), "models:\n  mine: {input: 1, output: 2}\n");
        List<String> lines = lines(PricingTableFormatter.table(PricingTable.load(file)));
        assertThat(lines.get(2)).isEqualTo("Overrides: " + file);
        assertThat(row(lines, "mine")).matches("mine +1 +- +2 +- +- +- +- +-");
    }

    @Test
    void jsonHasThePricingFileShapeWithPlainNumbers() throws Exception {
        String json = PricingTableFormatter.json(TABLE);
        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(root.get("retrieved").asText()).isEqualTo("2026-12-02");
        assertThat(root.get("source").asText()).isEqualTo(TABLE.source());
        assertThat(root.get("unit").asText()).isEqualTo("USD per 1M tokens");
        assertThat(root.has("override_file")).isFalse();
        JsonNode gpt4o = root.get("models").get("gpt-4o");
        assertThat(gpt4o.get("input").decimalValue()).isEqualByComparingTo("2.5");
        assertThat(gpt4o.get("cached_input").decimalValue()).isEqualByComparingTo("1.25");
        assertThat(gpt4o.get("max_output_tokens").asLong()).isEqualTo(16384);
        assertThat(gpt4o.get("cheaper_alternative").asText()).isEqualTo("gpt-4o-mini");
        assertThat(root.get("models").get("gpt-4").has("cached_input")).isFalse();
        assertThat(root.get("models").get("gpt-5.4").get("long_context").get("above_input_tokens").asLong()).isEqualTo(272_000);
        assertThat(root.get("aliases").get("gpt-4o-2024-08-06").asText()).isEqualTo("gpt-4o");
        assertThat(root.get("models").size()).isEqualTo(TABLE.entries().size());
        assertThat(json).doesNotContain("E-").doesNotContain("E+").contains("0.025");
    }

    private static List<String> lines(String s) {
        return Arrays.asList(s.split("\n", -1));
    }

    private static String row(List<String> lines, String model) {
        return lines.stream().filter(l -> l.startsWith(model + " ")).findFirst().orElseThrow();
    }
}

package tollgate.metering.pricing;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Prints the table in effect for {@code tollgate pricing --format table|json}: its source and date,
 * every model in USD per 1M tokens, and the aliases. The JSON has the pricing file's shape, so it can
 * be edited into a pricing file.
 */
public final class PricingTableFormatter {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final String ABSENT = "-";
    private static final String[] HEADER = {"MODEL", "INPUT", "CACHED", "OUTPUT", "CACHE WRITE",
        "LONG CONTEXT (ABOVE: IN/CACHED/OUT)", "MAX OUTPUT", "CHEAPER ALTERNATIVE", "TIERS"};
    /** Columns printed flush right (numbers). */
    private static final boolean[] RIGHT = {false, true, true, true, true, false, true, false, false};

    private PricingTableFormatter() {
    }

    /** Aligned columns for a terminal, ending with a newline. */
    public static String table(PricingTable t) {
        StringBuilder out = new StringBuilder();
        out.append("Prices in ").append(PricingFileReader.UNIT).append(", retrieved ").append(t.date())
                .append("\nSource: ").append(t.source()).append('\n');
        if (t.overrideFile() != null) {
            out.append("Overrides: ").append(t.overrideFile()).append('\n');
        }
        out.append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (PricedModel m : t.entries()) {
            ModelPrice p = m.price();
            LongContextTier lc = p.longContext();
            rows.add(new String[] {m.name(), num(p.input()), num(p.cachedInput()), num(p.output()), num(p.cacheWrite()),
                lc == null ? ABSENT : ">" + lc.aboveInputTokens() + ": " + num(lc.input()) + " / " + num(lc.cachedInput())
                        + " / " + num(lc.output()) + (lc.cacheWrite() == null ? "" : " (cache write " + num(lc.cacheWrite()) + ")"),
                p.maxOutputTokens() == null ? ABSENT : p.maxOutputTokens().toString(),
                p.cheaperAlternative() == null ? ABSENT : p.cheaperAlternative(),
                p.tiers().isEmpty() ? ABSENT : String.join(",", p.tiers().keySet())});
        }
        columns(out, rows, RIGHT);
        if (!t.aliases().isEmpty()) {
            out.append('\n');
            List<String[]> aliasRows = new ArrayList<>();
            aliasRows.add(new String[] {"ALIAS", "PRICED AS"});
            t.aliases().forEach((alias, model) -> aliasRows.add(new String[] {alias, model}));
            columns(out, aliasRows, new boolean[] {false, false});
        }
        return out.toString();
    }

    /** The table as JSON: {@code source, retrieved, unit, override_file?, models, aliases}. */
    public static String json(PricingTable t) {
        ObjectNode root = JSON.createObjectNode();
        root.put("source", t.source());
        root.put("retrieved", t.date());
        root.put("unit", PricingFileReader.UNIT);
        if (t.overrideFile() != null) {
            root.put("override_file", t.overrideFile().toString());
        }
        ObjectNode models = root.putObject("models");
        for (PricedModel m : t.entries()) {
            models.set(m.name(), node(m.price()));
        }
        ObjectNode aliases = root.putObject("aliases");
        t.aliases().forEach(aliases::put);
        return write(root);
    }

    /** Prices as a pricing file ({@code tollgate pricing import}): {@code source, retrieved, unit, models}. */
    public static String pricingFile(Map<String, ModelPrice> models, String source, String retrieved) {
        ObjectNode root = JSON.createObjectNode();
        root.put("source", source);
        root.put("retrieved", retrieved);
        root.put("unit", PricingFileReader.UNIT);
        ObjectNode m = root.putObject("models");
        new TreeMap<>(models).forEach((name, p) -> m.set(name, node(p)));
        return write(root);
    }

    /** One model's prices in the pricing file's shape: what the JSON output, imports and diffs show. */
    static ObjectNode node(ModelPrice p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("input", p.input());
        putIfPresent(n, "cached_input", p.cachedInput());
        n.put("output", p.output());
        putIfPresent(n, "cache_write", p.cacheWrite());
        putIfPresent(n, "cache_write_1h", p.units().cacheWrite1h());
        putLongContext(n, p.longContext());
        if (p.maxOutputTokens() != null) {
            n.put("max_output_tokens", p.maxOutputTokens());
        }
        if (p.cheaperAlternative() != null) {
            n.put("cheaper_alternative", p.cheaperAlternative());
        }
        UnitPrices u = p.units();
        putIfPresent(n, "audio_input", u.audioInput());
        putIfPresent(n, "audio_output", u.audioOutput());
        putIfPresent(n, "image_input", u.imageInput());
        putIfPresent(n, "per_call", u.perCall());
        if (!u.perImage().isEmpty()) {
            ObjectNode images = n.putObject("per_image");
            u.perImage().forEach(images::put);
        }
        putIfPresent(n, "per_minute", u.perMinute());
        putIfPresent(n, "per_1k_characters", u.per1kCharacters());
        putIfPresent(n, "web_search_per_1k_calls", u.webSearchPer1kCalls());
        if (!p.tiers().isEmpty()) {
            ObjectNode tiers = n.putObject("tiers");
            p.tiers().forEach((name, tp) -> {
                ObjectNode tn = tiers.putObject(name);
                tn.put("input", tp.input());
                putIfPresent(tn, "cached_input", tp.cachedInput());
                tn.put("output", tp.output());
                putIfPresent(tn, "cache_write", tp.cacheWrite());
                putLongContext(tn, tp.longContext());
            });
        }
        return n;
    }

    private static String write(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serialises", e);
        }
    }

    private static void putLongContext(ObjectNode n, @Nullable LongContextTier lc) {
        if (lc != null) {
            ObjectNode tier = n.putObject("long_context");
            tier.put("above_input_tokens", lc.aboveInputTokens());
            tier.put("input", lc.input());
            putIfPresent(tier, "cached_input", lc.cachedInput());
            tier.put("output", lc.output());
            putIfPresent(tier, "cache_write", lc.cacheWrite());
        }
    }

    private static void putIfPresent(ObjectNode n, String key, @Nullable BigDecimal v) {
        if (v != null) {
            n.put(key, v);
        }
    }

    private static String num(@Nullable BigDecimal v) {
        return v == null ? ABSENT : v.toPlainString();
    }

    private static void columns(StringBuilder out, List<String[]> rows, boolean[] right) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(right[i] ? pad + r[i] : r[i] + pad);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }
}

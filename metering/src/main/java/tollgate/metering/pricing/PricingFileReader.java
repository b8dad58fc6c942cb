package tollgate.metering.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a pricing document (SPEC 6) into a {@link PricingFile}, adding one error per bad key or
 * value, each naming the key path and the value, so that a file is reported whole:
 * <pre>
 * models:
 *   my-finetune: {input: 0.30, cached_input: 0.15, output: 1.20, cache_write: 0.375,
 *                 long_context: {above_input_tokens: 200000, input: 0.6, cached_input: 0.3, output: 2.4},
 *                 max_output_tokens: 16384, cheaper_alternative: gpt-4o-mini,
 *                 tiers: {flex: {multiplier: 0.5}, priority: {input: 0.6, cached_input: 0.3, output: 2.4}},
 *                 audio_input: 40, audio_output: 80, image_input: 10, web_search_per_1k_calls: 10}
 *   dall-e-3: {per_image: {standard/1024x1024: 0.04, hd/1024x1792: 0.12}}
 *   whisper-1: {per_minute: 0.006}
 *   tts-1: {per_1k_characters: 0.015}
 *   claude-sonnet-4-6: {input: 3, cached_input: 0.3, output: 15, cache_write: 3.75, cache_write_1h: 6}
 * aliases:
 *   prod-deployment: gpt-4o
 * </pre>
 * {@code source}, {@code retrieved}, {@code unit} and {@code override_file} may appear at the top, as
 * {@code tollgate pricing --format json} prints them, so that its output can be edited into a pricing file.
 * A model priced only by {@code per_call}, {@code per_image}, {@code per_minute} or {@code per_1k_characters} may
 * leave out {@code input} and {@code output} (0). {@code notes} (a string or a list of strings) is a comment for people, e.g. what the built-in table
 * leaves out; it is checked for shape and otherwise ignored.
 */
final class PricingFileReader {
    static final String UNIT = "USD per 1M tokens";
    private static final Set<String> TOP = Set.of("models", "aliases", "source", "retrieved", "unit", "override_file",
            "notes");
    private static final Set<String> MODEL = Set.of("input", "cached_input", "output", "cache_write",
            "long_context", "max_output_tokens", "cheaper_alternative", "tiers", "audio_input", "audio_output",
            "image_input", "per_call", "per_image", "per_minute", "per_1k_characters", "web_search_per_1k_calls",
            "cache_write_1h");
    private static final Set<String> TIER = Set.of("above_input_tokens", "input", "cached_input", "output", "cache_write");
    private static final Set<String> SERVICE_TIER = Set.of("multiplier", "input", "cached_input", "output", "cache_write",
            "long_context");
    private static final int MAX_NAME_CHARS = 256;

    private final String origin;
    private final List<String> errors;

    /**
     * @param origin how errors name the document, e.g. {@code "pricing file prices.yaml"}
     * @param errors where errors are added
     */
    PricingFileReader(String origin, List<String> errors) {
        this.origin = origin;
        this.errors = errors;
    }

    PricingFile read(@Nullable JsonNode root) {
        Map<String, ModelPrice> models = new LinkedHashMap<>();
        Map<String, String> aliases = new LinkedHashMap<>();
        if (root == null || root.isNull() || root.isMissingNode()) {
            return new PricingFile(models, aliases, null, null);
        }
        if (!root.isObject()) {
            error("(top level)", root, "a mapping with models: and aliases:");
            return new PricingFile(models, aliases, null, null);
        }
        rejectUnknown(root, "", TOP);
        String unit = text(root, "", "unit");
        if (unit != null && !unit.equals(UNIT)) {
            error("unit", root.get("unit"), "'" + UNIT + "'");
        }
        JsonNode notes = root.get("notes");
        if (notes != null && !notes.isNull() && !notes.isTextual() && !allText(notes)) {
            error("notes", notes, "a string or a list of strings");
        }
        JsonNode m = root.get("models");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                error("models", m, "a mapping of model name to prices");
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (name("models", e.getKey())) {
                        ModelPrice price = model("models." + e.getKey(), e.getValue());
                        if (price != null) {
                            models.put(e.getKey(), price);
                        }
                    }
                }
            }
        }
        JsonNode a = root.get("aliases");
        if (a != null && !a.isNull()) {
            if (!a.isObject()) {
                error("aliases", a, "a mapping of alias to model name");
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String target = text(a, "aliases", e.getKey());
                    if (name("aliases", e.getKey()) && target != null && name("aliases." + e.getKey(), target)) {
                        aliases.put(e.getKey(), target);
                    }
                }
            }
        }
        return new PricingFile(models, aliases, text(root, "", "source"), text(root, "", "retrieved"));
    }

    private @Nullable ModelPrice model(String path, JsonNode node) {
        if (!node.isObject()) {
            error(path, node, "a mapping such as {input: 0.15, cached_input: 0.075, output: 0.60}");
            return null;
        }
        int before = errors.size();
        rejectUnknown(node, path, MODEL);
        UnitPrices units = units(node, path);
        boolean tokens = !units.perUnit();
        BigDecimal input = orZero(price(node, path, "input", tokens), tokens);
        BigDecimal cached = price(node, path, "cached_input", false);
        BigDecimal output = orZero(price(node, path, "output", tokens), tokens);
        BigDecimal cacheWrite = price(node, path, "cache_write", false);
        Long maxOutput = count(node, path, "max_output_tokens");
        String cheaper = text(node, path, "cheaper_alternative");
        LongContextTier tier = null;
        JsonNode lc = node.get("long_context");
        if (lc != null && !lc.isNull()) {
            tier = tier(path + ".long_context", lc);
        }
        if (cheaper != null) {
            name(path + ".cheaper_alternative", cheaper);
        }
        Map<String, TierPrice> tiers = Map.of();
        JsonNode st = node.get("tiers");
        if (st != null && !st.isNull() && input != null && output != null) {
            tiers = serviceTiers(path + ".tiers", st, new ModelPrice(input, cached, output, cacheWrite, null, tier, null));
        }
        if (input == null || output == null || errors.size() > before) {
            return null;
        }
        return new ModelPrice(input, cached, output, cacheWrite, maxOutput, tier, cheaper, tiers, units);
    }

    private @Nullable BigDecimal orZero(@Nullable BigDecimal price, boolean required) {
        return price == null && !required ? BigDecimal.ZERO : price;
    }

    /** SPEC 12's prices of what is not a text token. */
    private UnitPrices units(JsonNode node, String path) {
        Map<String, BigDecimal> perImage = new LinkedHashMap<>();
        JsonNode images = node.get("per_image");
        if (images != null && !images.isNull()) {
            if (!images.isObject() || images.isEmpty()) {
                error(path + ".per_image", images, "a mapping of quality/size or size to USD, such as {hd/1024x1792: 0.12}");
            } else {
                for (Iterator<String> it = images.fieldNames(); it.hasNext(); ) {
                    String option = it.next();
                    BigDecimal p = price(images, path + ".per_image", option, true);
                    if (p != null) {
                        perImage.put(option, p);
                    }
                }
            }
        }
        return new UnitPrices(price(node, path, "audio_input", false), price(node, path, "audio_output", false),
                price(node, path, "image_input", false), price(node, path, "per_call", false), perImage,
                price(node, path, "per_minute", false), price(node, path, "per_1k_characters", false),
                price(node, path, "web_search_per_1k_calls", false), price(node, path, "cache_write_1h", false));
    }

    /** {@code tiers:}, each a {@code multiplier} of the standard prices or prices of its own (SPEC 12). */
    private Map<String, TierPrice> serviceTiers(String path, JsonNode node, ModelPrice standard) {
        Map<String, TierPrice> out = new LinkedHashMap<>();
        if (!node.isObject()) {
            error(path, node, "a mapping of service tier to prices, such as {flex: {multiplier: 0.5}}");
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String p = path + "." + clip(name);
            if (!name.equals(ServiceTiers.key(name)) || name.length() > ServiceTiers.MAX_CHARS) {
                errors.add(origin + ": " + p + ": unknown tier name (expected: a lowercase tier such as flex, priority,"
                        + " ultrafast or batch; default is the model's own prices and fast is priority)");
                continue;
            }
            TierPrice t = serviceTier(p, e.getValue(), standard);
            if (t != null) {
                out.put(name, t);
            }
        }
        return out;
    }

    private @Nullable TierPrice serviceTier(String path, JsonNode node, ModelPrice standard) {
        if (!node.isObject()) {
            error(path, node, "a mapping such as {multiplier: 0.5} or {input: 0.625, cached_input: 0.0625, output: 5}");
            return null;
        }
        int before = errors.size();
        rejectUnknown(node, path, SERVICE_TIER);
        if (node.has("multiplier")) {
            BigDecimal m = price(node, path, "multiplier", true);
            for (String k : SERVICE_TIER) {
                if (!k.equals("multiplier") && node.has(k)) {
                    errors.add(origin + ": " + path + "." + k + ": given with multiplier (expected: a multiplier or prices, not both)");
                }
            }
            return m == null || errors.size() > before ? null : TierPrice.scaled(m, standard.input(), standard.cachedInput(),
                    standard.output(), standard.cacheWrite(), standard.longContext());
        }
        BigDecimal input = price(node, path, "input", true);
        BigDecimal cached = price(node, path, "cached_input", false);
        BigDecimal output = price(node, path, "output", true);
        BigDecimal cacheWrite = price(node, path, "cache_write", false);
        LongContextTier lc = null;
        JsonNode lcNode = node.get("long_context");
        if (lcNode != null && !lcNode.isNull()) {
            lc = tier(path + ".long_context", lcNode);
            LongContextTier base = standard.longContext();
            if (lc != null && (base == null || base.aboveInputTokens() != lc.aboveInputTokens())) {
                errors.add(origin + ": " + path + ".long_context.above_input_tokens: " + lc.aboveInputTokens()
                        + " (expected: the model's own long_context threshold, "
                        + (base == null ? "none given" : base.aboveInputTokens()) + ")");
            }
        }
        if (input == null || output == null || errors.size() > before) {
            return null;
        }
        return new TierPrice(input, cached, output, cacheWrite, lc);
    }

    private @Nullable LongContextTier tier(String path, JsonNode node) {
        if (!node.isObject()) {
            error(path, node, "a mapping such as {above_input_tokens: 200000, input: 6, cached_input: 0.6, output: 22.5}");
            return null;
        }
        rejectUnknown(node, path, TIER);
        Long above = count(node, path, "above_input_tokens");
        if (above == null && !node.has("above_input_tokens")) {
            errors.add(origin + ": " + path + ".above_input_tokens: missing (expected: a whole number > 0)");
        }
        BigDecimal input = price(node, path, "input", true);
        BigDecimal cached = price(node, path, "cached_input", false);
        BigDecimal output = price(node, path, "output", true);
        BigDecimal cacheWrite = price(node, path, "cache_write", false);
        if (above == null || input == null || output == null) {
            return null;
        }
        return new LongContextTier(above, input, cached, output, cacheWrite);
    }

    private @Nullable BigDecimal price(JsonNode parent, String path, String key, boolean required) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(origin + ": " + path + "." + key + ": missing (expected: a decimal number >= 0, " + UNIT + ")");
            }
            return null;
        }
        BigDecimal d = null;
        if (v.isNumber()) {
            d = v.decimalValue();
        } else if (v.isTextual()) {
            try {
                d = new BigDecimal(v.asText().trim());
            } catch (NumberFormatException e) {
                d = null;
            }
        }
        if (d == null || d.signum() < 0) {
            error(path + "." + key, v, "a decimal number >= 0, " + UNIT);
            return null;
        }
        return d;
    }

    private @Nullable Long count(JsonNode parent, String path, String key) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() <= 0) {
            error(path + "." + key, v, "a whole number > 0");
            return null;
        }
        return v.longValue();
    }

    private @Nullable String text(JsonNode parent, String path, String key) {
        JsonNode v = parent.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            error(path.isEmpty() ? key : path + "." + key, v, "a string");
            return null;
        }
        return v.asText();
    }

    private static boolean allText(JsonNode node) {
        if (!node.isArray()) {
            return false;
        }
        for (JsonNode n : node) {
            if (!n.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private boolean name(String path, String name) {
        if (name.isBlank() || name.length() > MAX_NAME_CHARS) {
            errors.add(origin + ": " + path + ": '" + clip(name) + "' (expected: a model name of 1 to " + MAX_NAME_CHARS + " characters)");
            return false;
        }
        return true;
    }

    private void rejectUnknown(JsonNode node, String path, Set<String> known) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                errors.add(origin + ": " + (path.isEmpty() ? "" : path + ".") + clip(k) + ": unknown key (expected one of: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        }
    }

    private void error(String path, JsonNode value, String expected) {
        errors.add(origin + ": " + path + ": " + describe(value) + " (expected: " + expected + ")");
    }

    private static String describe(JsonNode v) {
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return "'" + clip(v.asText()) + "'";
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}

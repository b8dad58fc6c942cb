package tollgate.metering.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns a public price catalog into tollgate prices (SPEC 12, {@code tollgate pricing import}), keeping only the
 * providers tollgate meters (OpenAI and Anthropic) and the fields it prices; everything else is skipped and counted.
 * Numbers are read as decimals from the catalog's text and scaled exactly (USD per token × 10^6), never through a
 * double. Reads a tree the caller parsed (the catalog is the file the user gives; tollgate ships none).
 *
 * <pre>
 * litellm       {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06,
 *                 "cache_read_input_token_cost": ..., "output_cost_per_token": ..., "cache_creation_input_token_cost": ...,
 *                 "input_cost_per_token_above_272k_tokens": ..., "input_cost_per_token_flex": ..., "..._priority",
 *                 "input_cost_per_token_batches": ..., "input_cost_per_audio_token": ..., "max_output_tokens": ...}}
 * genai-prices  [{"id": "openai", "models": [{"id": "gpt-4o", "prices": {"input_mtok": 2.5, "cache_read_mtok": 1.25,
 *                 "output_mtok": 10, "cache_write_mtok": ..., "input_audio_mtok": ..., "output_audio_mtok": ...}}]}]
 *               a price may be {"base": 2.5, "tiers": [{"start": 272000, "price": 5}]}: the first tier is the long
 *               context; "prices" may be a list of {"constraint": {"start_date": ...}, "prices": ...}: the latest
 *               one started by {@code today} (time-of-day prices are skipped)
 * </pre>
 */
public final class CatalogImport {
    static final Set<String> PROVIDERS = Set.of("openai", "anthropic");
    private static final int PER_TOKEN_TO_PER_MILLION = 6;
    private static final String[] LONG_CONTEXT_SUFFIXES = {"_above_272k_tokens", "_above_200k_tokens",
        "_above_128k_tokens"};

    /** The prices read, by model name, and how many catalog entries were left out (another provider, or unpriced). */
    public record Result(Map<String, ModelPrice> models, int skipped) {
        public Result {
            models = Map.copyOf(models);
        }
    }

    private CatalogImport() {
    }

    /**
     * Reads the catalog file; its numbers stay decimals as written.
     *
     * @throws PricingException when it cannot be read or is not JSON of the format's shape
     */
    public static Result read(Path file, CatalogFormat format, LocalDate today) throws PricingException {
        String origin = format.id() + " catalog " + file;
        JsonNode root = PricingTable.readDocument(file, origin);
        boolean shaped = format == CatalogFormat.LITELLM ? root.isObject() : root.isArray();
        if (!shaped) {
            throw new PricingException(origin + ": " + (format == CatalogFormat.LITELLM
                    ? "not an object of model name to prices (expected: model_prices_and_context_window.json)"
                    : "not a list of providers (expected: genai-prices prices/data.json)"));
        }
        return read(root, format, today);
    }

    static Result read(JsonNode root, CatalogFormat format, LocalDate today) {
        return format == CatalogFormat.LITELLM ? litellm(root) : genaiPrices(root, today);
    }

    private static Result litellm(JsonNode root) {
        Map<String, ModelPrice> out = new TreeMap<>();
        int skipped = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode m = e.getValue();
            String provider = m.path("litellm_provider").asText("");
            String name = e.getKey();
            BigDecimal input = perMillion(m.get("input_cost_per_token"));
            BigDecimal output = perMillion(m.get("output_cost_per_token"));
            // a provider-prefixed duplicate ("openai/gpt-4o") or another provider's model is not tollgate's to price
            if (!PROVIDERS.contains(provider) || name.contains("/") || input == null || output == null) {
                skipped++;
                continue;
            }
            BigDecimal cached = perMillion(m.get("cache_read_input_token_cost"));
            BigDecimal cacheWrite = perMillion(m.get("cache_creation_input_token_cost"));
            LongContextTier lc = litellmLongContext(m, "");
            Map<String, TierPrice> tiers = new TreeMap<>();
            litellmTier(m, "_flex", lc).ifPresent(t -> tiers.put("flex", t));
            litellmTier(m, "_priority", lc).ifPresent(t -> tiers.put(ServiceTiers.PRIORITY, t));
            litellmTier(m, "_batches", null).ifPresent(t -> tiers.put(ServiceTiers.BATCH, t));
            JsonNode maxOut = m.get("max_output_tokens");
            Long maxOutput = maxOut != null && maxOut.canConvertToLong() && maxOut.longValue() > 0 ? maxOut.longValue() : null;
            UnitPrices units = new UnitPrices(perMillion(m.get("input_cost_per_audio_token")),
                    perMillion(m.get("output_cost_per_audio_token")), null, null, Map.of(), null, null, null);
            out.put(name, new ModelPrice(input, cached, output, cacheWrite, maxOutput, lc, null, tiers, units));
        }
        return new Result(out, skipped);
    }

    private static Optional<TierPrice> litellmTier(JsonNode m, String suffix, @Nullable LongContextTier base) {
        BigDecimal input = perMillion(m.get("input_cost_per_token" + suffix));
        BigDecimal output = perMillion(m.get("output_cost_per_token" + suffix));
        if (input == null || output == null) {
            return Optional.empty();
        }
        LongContextTier lc = base == null ? null : litellmLongContext(m, suffix);
        return Optional.of(new TierPrice(input, perMillion(m.get("cache_read_input_token_cost" + suffix)), output,
                perMillion(m.get("cache_creation_input_token_cost" + suffix)), lc));
    }

    private static @Nullable LongContextTier litellmLongContext(JsonNode m, String tierSuffix) {
        for (String s : LONG_CONTEXT_SUFFIXES) {
            BigDecimal input = perMillion(m.get("input_cost_per_token" + s + tierSuffix));
            BigDecimal output = perMillion(m.get("output_cost_per_token" + s + tierSuffix));
            if (input != null && output != null) {
                long above = Long.parseLong(s.replaceAll("\\D", "")) * 1000;
                return new LongContextTier(above, input, perMillion(m.get("cache_read_input_token_cost" + s + tierSuffix)),
                        output, perMillion(m.get("cache_creation_input_token_cost" + s + tierSuffix)));
            }
        }
        return null;
    }

    private static Result genaiPrices(JsonNode root, LocalDate today) {
        Map<String, ModelPrice> out = new TreeMap<>();
        int skipped = 0;
        for (JsonNode provider : root) {
            boolean ours = PROVIDERS.contains(provider.path("id").asText(""));
            for (JsonNode model : provider.path("models")) {
                JsonNode prices = ours ? current(model.get("prices"), today) : null;
                ModelPrice p = prices == null ? null : genaiPrice(prices);
                String name = model.path("id").asText("");
                if (p == null || name.isEmpty()) {
                    skipped++;
                } else {
                    out.put(name, p);
                }
            }
        }
        return new Result(out, skipped);
    }

    /** The prices in force on {@code today}: the latest started by then, else the one without a constraint. */
    private static @Nullable JsonNode current(@Nullable JsonNode prices, LocalDate today) {
        if (prices == null || !prices.isArray()) {
            return prices;
        }
        JsonNode chosen = null;
        LocalDate chosenStart = LocalDate.MIN;
        for (JsonNode c : prices) {
            JsonNode constraint = c.get("constraint");
            if (constraint == null || constraint.isNull()) {
                if (chosen == null) {
                    chosen = c.get("prices");
                }
                continue;
            }
            JsonNode start = constraint.get("start_date");
            if (start != null && start.isTextual()) {
                LocalDate d = LocalDate.parse(start.asText());
                if (!d.isAfter(today) && !d.isBefore(chosenStart)) {
                    chosen = c.get("prices");
                    chosenStart = d;
                }
            }
        }
        return chosen;
    }

    private static @Nullable ModelPrice genaiPrice(JsonNode p) {
        BigDecimal input = base(p.get("input_mtok"));
        BigDecimal output = base(p.get("output_mtok"));
        if (input == null || output == null) {
            return null;
        }
        LongContextTier lc = null;
        Tier inputTier = firstTier(p.get("input_mtok"));
        Tier outputTier = firstTier(p.get("output_mtok"));
        if (inputTier != null && outputTier != null && inputTier.start == outputTier.start) {
            Tier cachedTier = firstTier(p.get("cache_read_mtok"));
            Tier writeTier = firstTier(p.get("cache_write_mtok"));
            lc = new LongContextTier(inputTier.start, inputTier.price, cachedTier == null ? null : cachedTier.price,
                    outputTier.price, writeTier == null ? null : writeTier.price);
        }
        UnitPrices units = new UnitPrices(base(p.get("input_audio_mtok")), base(p.get("output_audio_mtok")), null, null,
                Map.of(), null, null, null);
        return new ModelPrice(input, base(p.get("cache_read_mtok")), output, base(p.get("cache_write_mtok")), null, lc,
                null, Map.of(), units);
    }

    private record Tier(long start, BigDecimal price) {}

    private static @Nullable BigDecimal base(@Nullable JsonNode v) {
        if (v != null && v.isObject()) {
            return decimal(v.get("base"));
        }
        return decimal(v);
    }

    private static @Nullable Tier firstTier(@Nullable JsonNode v) {
        if (v == null || !v.isObject()) {
            return null;
        }
        JsonNode tiers = v.path("tiers");
        if (!tiers.isArray() || tiers.isEmpty()) {
            return null;
        }
        JsonNode t = tiers.get(0);
        BigDecimal price = decimal(t.get("price"));
        return price == null || !t.path("start").canConvertToLong() ? null : new Tier(t.path("start").longValue(), price);
    }

    private static @Nullable BigDecimal perMillion(@Nullable JsonNode v) {
        BigDecimal d = decimal(v);
        return d == null ? null : ModelPrice.normalized(d.movePointRight(PER_TOKEN_TO_PER_MILLION));
    }

    private static @Nullable BigDecimal decimal(@Nullable JsonNode v) {
        if (v == null || !v.isNumber()) {
            return null;
        }
        BigDecimal d = v.decimalValue();
        return d.signum() < 0 ? null : d;
    }
}

package tollgate.metering.pricing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The prices in effect: the built-in table (with its source and date) merged with the pricing file,
 * and the resolution of a call's model name to the entry that prices it (SPEC 6). Immutable and
 * thread-safe; a reload builds a new table.
 */
public final class PricingTable {
    private static final String RESOURCE = "/tollgate/pricing/builtin-prices.json";
    /** Model strings come from clients and upstreams: the cache of resolutions is bounded. */
    private static final int CACHE_ENTRIES = 10_000;
    private static final int MAX_CACHED_NAME_CHARS = 256;
    private static final int MAX_ALIAS_HOPS = 8;
    /** Providers change prices about monthly: a table two months old is due a look. */
    public static final int STALE_AFTER_DAYS = 60;
    private static final ObjectMapper MAPPER = YAMLMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final SortedMap<String, ModelPrice> models;
    private final SortedMap<String, String> aliases;
    private final String date;
    private final String source;
    private final @Nullable Path overrideFile;
    private final Cache<String, Optional<PricedModel>> resolved =
            Caffeine.newBuilder().maximumSize(CACHE_ENTRIES).build();

    private PricingTable(SortedMap<String, ModelPrice> models, SortedMap<String, String> aliases,
                         String date, String source, @Nullable Path overrideFile) {
        this.models = Collections.unmodifiableSortedMap(models);
        this.aliases = Collections.unmodifiableSortedMap(aliases);
        this.date = date;
        this.source = source;
        this.overrideFile = overrideFile;
    }

    /** The table shipped in the jar; the first call reads it from the class path (call it at start-up). */
    public static PricingTable builtIn() {
        return BuiltIn.TABLE;
    }

    /**
     * The built-in table with the pricing file's models and aliases added; an entry of the file
     * replaces a built-in model or alias of the same name as a whole. Reads the file: call it at
     * start-up or on reload, off the event loop.
     *
     * @throws PricingException listing every problem of the file, each naming the file, key path and value
     */
    public static PricingTable load(@Nullable Path overrideFile) throws PricingException {
        return load(null, overrideFile);
    }

    /**
     * {@link #load(Path)} over the built-in table with a synced catalog's models laid on it first
     * ({@code pricing.sync}): the built-in table, then the catalog, then the pricing file, each later entry replacing
     * an earlier one of the same name, so {@code pricing.file} still wins.
     *
     * @param catalog the models a catalog import gave ({@link CatalogImport#read}), or null
     */
    public static PricingTable load(CatalogImport.@Nullable Result catalog, @Nullable Path overrideFile)
            throws PricingException {
        PricingTable base = builtIn();
        if (catalog != null && !catalog.models().isEmpty()) {
            SortedMap<String, ModelPrice> models = new TreeMap<>(base.models);
            SortedMap<String, String> aliases = new TreeMap<>(base.aliases);
            for (Map.Entry<String, ModelPrice> e : catalog.models().entrySet()) {
                models.put(e.getKey(), e.getValue());
                aliases.remove(e.getKey());
            }
            base = new PricingTable(models, aliases, base.date, base.source + " + pricing.sync catalog", null);
        }
        if (overrideFile == null) {
            return base;
        }
        String origin = "pricing file " + overrideFile;
        JsonNode root = readDocument(overrideFile, origin);
        List<String> errors = new ArrayList<>();
        PricingFile file = new PricingFileReader(origin, errors).read(root);
        SortedMap<String, ModelPrice> models = new TreeMap<>(base.models);
        SortedMap<String, String> aliases = new TreeMap<>(base.aliases);
        for (Map.Entry<String, ModelPrice> e : file.models().entrySet()) {
            models.put(e.getKey(), e.getValue());
            aliases.remove(e.getKey());
        }
        for (Map.Entry<String, String> e : file.aliases().entrySet()) {
            if (file.models().containsKey(e.getKey())) {
                errors.add(origin + ": aliases." + e.getKey() + ": '" + e.getValue()
                        + "' (expected: a name under models: or under aliases:, not both)");
                continue;
            }
            aliases.put(e.getKey(), e.getValue());
            models.remove(e.getKey());
        }
        PricingTable table = checked(models, aliases, file, origin, errors, base.date, base.source, overrideFile);
        if (!errors.isEmpty()) {
            throw new PricingException(errors);
        }
        return table;
    }

    /**
     * A pricing document or catalog as a tree, YAML or JSON, its numbers as exact decimals. Reads the file: off the
     * event loop.
     */
    static JsonNode readDocument(Path file, String origin) throws PricingException {
        try {
            JsonNode root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            return root == null ? MAPPER.nullNode() : root;
        } catch (JsonProcessingException e) {
            throw new PricingException(origin + ": not valid YAML or JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() : ""));
        } catch (IOException e) {
            throw new PricingException(origin + ": cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    /** The models of a pricing file as written, checked but not merged: what {@code tollgate pricing diff} compares. */
    public static Map<String, ModelPrice> readFile(Path file) throws PricingException {
        String origin = "pricing file " + file;
        List<String> errors = new ArrayList<>();
        PricingFile f = new PricingFileReader(origin, errors).read(readDocument(file, origin));
        if (!errors.isEmpty()) {
            throw new PricingException(errors);
        }
        return f.models();
    }

    /** The date the built-in prices were retrieved (ISO-8601). */
    public String date() {
        return date;
    }

    /** The built-in table's date as a day; the epoch when it is not an ISO date (a hand-edited table). */
    public LocalDate retrievedOn() {
        try {
            return LocalDate.parse(date);
        } catch (DateTimeParseException e) {
            return LocalDate.EPOCH;
        }
    }

    /** Whole days from the built-in table's date to {@code today}: what {@code tollgate_price_table_age_days} shows. */
    public long ageDays(LocalDate today) {
        return ChronoUnit.DAYS.between(retrievedOn(), today);
    }

    /**
     * The start-up warning when the built-in prices are older than {@value #STALE_AFTER_DAYS} days (providers change
     * prices monthly); null while they are younger.
     */
    public @Nullable String staleWarning(LocalDate today) {
        long age = ageDays(today);
        return age <= STALE_AFTER_DAYS ? null : "the built-in prices are " + age + " days old (retrieved " + date
                + "): check them with `tollgate pricing` and override what changed in pricing.file";
    }

    /** Where the built-in prices come from. */
    public String source() {
        return source;
    }

    public @Nullable Path overrideFile() {
        return overrideFile;
    }

    /** Every priced model, by name. */
    public List<PricedModel> entries() {
        List<PricedModel> out = new ArrayList<>(models.size());
        models.forEach((name, price) -> out.add(new PricedModel(name, price)));
        return out;
    }

    /** Alias → the model that prices it, by alias. */
    public SortedMap<String, String> aliases() {
        return aliases;
    }

    /** The entry of an exact model name or alias, without the date-suffix fallback. */
    public @Nullable PricedModel get(String name) {
        ModelPrice p = models.get(name);
        if (p != null) {
            return new PricedModel(name, p);
        }
        String target = aliases.get(name);
        return target == null ? null : new PricedModel(target, models.get(target));
    }

    /**
     * The entry that prices a call: the response's model first, then, when that resolves to no price
     * (the API sometimes answers with an internal name), the request's; null when neither does.
     */
    public @Nullable PricedModel resolve(@Nullable String responseModel, @Nullable String requestModel) {
        PricedModel p = resolve(responseModel);
        return p != null ? p : resolve(requestModel);
    }

    /**
     * The prices of a call through a route of {@code provider} (SPEC 13): {@code provider/model} first (a provider's
     * own price for a model, e.g. {@code azure/gpt-4o}), then the model as without routes.
     */
    public @Nullable PricedModel resolve(@Nullable String provider, @Nullable String responseModel,
                                         @Nullable String requestModel) {
        if (provider != null) {
            PricedModel own = resolve(prefixed(provider, responseModel), prefixed(provider, requestModel));
            if (own != null) {
                return own;
            }
        }
        return resolve(responseModel, requestModel);
    }

    private static @Nullable String prefixed(String provider, @Nullable String model) {
        return model == null || model.isEmpty() ? null : provider + "/" + model;
    }

    /** Exact name, then alias, then the longest priced name followed by a date suffix ({@link VersionSuffix}). */
    public @Nullable PricedModel resolve(@Nullable String model) {
        if (model == null || model.isEmpty()) {
            return null;
        }
        if (model.length() > MAX_CACHED_NAME_CHARS) {
            return lookup(model).orElse(null);
        }
        return resolved.get(model, this::lookup).orElse(null);
    }

    private Optional<PricedModel> lookup(String model) {
        PricedModel exact = get(model);
        if (exact != null) {
            return Optional.of(exact);
        }
        // The suffix is 4, 8 or 10 characters; the shortest suffix leaves the longest base name.
        for (int suffixChars : new int[] {4, 8, 10}) {
            int sep = model.length() - suffixChars - 1;
            if (sep > 0 && VersionSuffix.isSeparator(model.charAt(sep)) && VersionSuffix.matches(model.substring(sep + 1))) {
                String base = model.substring(0, sep);
                ModelPrice p = models.get(base);
                if (p != null) {
                    return Optional.of(new PricedModel(base, p));
                }
            }
        }
        return Optional.empty();
    }

    /** Flattens alias chains and checks that aliases and cheaper alternatives name priced models. */
    private static PricingTable checked(SortedMap<String, ModelPrice> models, SortedMap<String, String> aliases,
                                        PricingFile file, String origin, List<String> errors,
                                        String date, String source, @Nullable Path overrideFile) {
        SortedMap<String, String> flat = new TreeMap<>();
        for (Map.Entry<String, String> e : aliases.entrySet()) {
            String target = e.getValue();
            for (int hop = 0; hop < MAX_ALIAS_HOPS && !models.containsKey(target) && aliases.containsKey(target); hop++) {
                target = aliases.get(target);
            }
            if (models.containsKey(target)) {
                flat.put(e.getKey(), target);
            } else if (file.aliases().containsKey(e.getKey())) {
                errors.add(origin + ": aliases." + e.getKey() + ": '" + e.getValue()
                        + "' (expected: a model priced under models: or in the built-in table)");
            }
        }
        for (Map.Entry<String, ModelPrice> e : file.models().entrySet()) {
            String alt = e.getValue().cheaperAlternative();
            if (alt != null && !models.containsKey(alt) && !flat.containsKey(alt)) {
                errors.add(origin + ": models." + e.getKey() + ".cheaper_alternative: '" + alt
                        + "' (expected: a priced model or alias)");
            }
        }
        return new PricingTable(models, flat, date, source, overrideFile);
    }

    private static final class BuiltIn {
        static final PricingTable TABLE = read();

        private static PricingTable read() {
            String origin = "built-in prices " + RESOURCE;
            try (InputStream in = PricingTable.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(origin + ": missing from the class path");
                }
                List<String> errors = new ArrayList<>();
                PricingFile file = new PricingFileReader(origin, errors).read(MAPPER.readTree(in));
                if (file.source() == null || file.retrieved() == null) {
                    errors.add(origin + ": source and retrieved are required");
                }
                PricingTable t = checked(new TreeMap<>(file.models()), new TreeMap<>(file.aliases()), file, origin, errors,
                        String.valueOf(file.retrieved()), String.valueOf(file.source()), null);
                if (!errors.isEmpty()) {
                    throw new IllegalStateException(String.join("; ", errors));
                }
                return t;
            } catch (IOException e) {
                throw new UncheckedIOException(origin + ": cannot be read", e);
            }
        }
    }
}

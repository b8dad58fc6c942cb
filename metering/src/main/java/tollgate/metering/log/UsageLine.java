package tollgate.metering.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;

/**
 * One usage-log line as {@link UsageLogReader} hands it over: a read-side view of a {@link UsageRecord}, reused
 * for every line of a file, so valid only during the callback ({@link #toRecord()} keeps a copy).
 *
 * <p>Why not a {@code UsageRecord} per line: {@code stats} reads millions of lines, and a record needs an
 * {@link Instant} parsed from {@code ts} plus every string field, where a report needs the UTC day (parsed once
 * per file) and a handful of fields; this view costs nothing a caller does not ask for. Which fields are kept is
 * set by {@link Fields}; the line's validity never depends on it.
 */
public final class UsageLine {
    /**
     * The optional text fields a read materializes; the others are still checked, so a line counts the same either way.
     *
     * @param details keep what only a whole record needs: {@code request_id}, {@code stream}, {@code status},
     *                {@code ttfb_ms} (else they read as null, false and 0); {@code duration_ms} is always kept
     * @param user keep {@code user}
     * @param tags the tag names to keep; null keeps all
     */
    public record Fields(boolean details, boolean user, @Nullable Set<String> tags) {
        public static final Fields ALL = new Fields(true, true, null);
        /** Neither details, user nor tags: totals and budgets. */
        public static final Fields NONE = new Fields(false, false, Set.of());

        public Fields {
            tags = tags == null ? null : Set.copyOf(tags);
        }

        boolean keepsTag(String name) {
            return tags == null || tags.contains(name);
        }
    }

    private static final JsonFactory EXTRA_JSON = JsonFactory.builder().build();

    LocalDate day = LocalDate.EPOCH;
    long epochSecond;
    int nano;
    @Nullable String requestId;
    @Nullable String key;
    @Nullable String endpoint;
    @Nullable String model;
    @Nullable String pricedAs;
    boolean stream;
    int status;
    long inputTokens;
    long cachedInputTokens;
    long outputTokens;
    long reasoningTokens;
    long totalTokens;
    boolean estimated;
    @Nullable BigDecimal costUsd;
    long durationMs;
    long ttfbMs;
    @Nullable String user;
    Map<String, String> tags = Map.of();
    @Nullable String error;
    long cacheWriteTokens;
    long cacheWrite1hTokens;
    long audioInputTokens;
    long audioOutputTokens;
    long imageOutputTokens;
    long webSearchCalls;
    long images;
    BigDecimal audioSeconds = BigDecimal.ZERO;
    long characters;
    @Nullable String serviceTier;
    @Nullable String provider;
    boolean batch;
    /** Unknown fields (a newer writer's) by name, each value as its JSON text; null without any. */
    @Nullable Map<String, String> extra;

    UsageLine() {
    }

    /** The UTC date of {@code ts}. */
    public LocalDate day() {
        return day;
    }

    public Instant ts() {
        return Instant.ofEpochSecond(epochSecond, nano);
    }

    /** {@code ts} in milliseconds since the epoch, without an {@link Instant} per line. */
    public long epochMilli() {
        return epochSecond * 1000 + nano / 1_000_000;
    }

    /** Null when absent, or when not kept ({@link Fields#details}). */
    public @Nullable String requestId() {
        return requestId;
    }

    public String key() {
        return present(key);
    }

    public String endpoint() {
        return present(endpoint);
    }

    public @Nullable String model() {
        return model;
    }

    public @Nullable String pricedAs() {
        return pricedAs;
    }

    /** False when not kept ({@link Fields#details}). */
    public boolean stream() {
        return stream;
    }

    /** 0 when not kept ({@link Fields#details}). */
    public int status() {
        return status;
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long cachedInputTokens() {
        return cachedInputTokens;
    }

    public long outputTokens() {
        return outputTokens;
    }

    public long reasoningTokens() {
        return reasoningTokens;
    }

    /** As logged; input + output when the line has none. */
    public long totalTokens() {
        return totalTokens;
    }

    public boolean estimated() {
        return estimated;
    }

    /** Null when the call had no price (SPEC 5). */
    public @Nullable BigDecimal costUsd() {
        return costUsd;
    }

    public long durationMs() {
        return durationMs;
    }

    /** 0 when not kept ({@link Fields#details}). */
    public long ttfbMs() {
        return ttfbMs;
    }

    /** Null when absent, or when not kept ({@link Fields#user}). */
    public @Nullable String user() {
        return user;
    }

    /** The kept tags ({@link Fields#tags}); immutable. */
    public Map<String, String> tags() {
        return tags;
    }

    public @Nullable String error() {
        return error;
    }

    /** The provider of the route the call went through (SPEC 13), or null. */
    public @Nullable String provider() {
        return provider;
    }

    /** SPEC 12's units of the line (absent ones 0, null or false); a new object per call. */
    public UsageUnits units() {
        return new UsageUnits(counts(), serviceTier, provider, batch);
    }

    /** SPEC 12's unit counts of the line; {@link UnitCounts#ZERO} (no allocation) for a line without any. */
    public UnitCounts counts() {
        if (cacheWriteTokens == 0 && audioInputTokens == 0 && audioOutputTokens == 0 && imageOutputTokens == 0
                && webSearchCalls == 0 && images == 0 && audioSeconds.signum() == 0 && characters == 0
                && cacheWrite1hTokens == 0) {
            return UnitCounts.ZERO;
        }
        return new UnitCounts(cacheWriteTokens, audioInputTokens, audioOutputTokens, imageOutputTokens, webSearchCalls,
                images, audioSeconds, characters, cacheWrite1hTokens);
    }

    /** A copy that outlives the callback; a line without {@code request_id} gets {@code ""}. */
    public UsageRecord toRecord() {
        return new UsageRecord(ts(), requestId == null ? "" : requestId, key(), endpoint(), model, pricedAs, stream,
                status, inputTokens, cachedInputTokens, outputTokens, reasoningTokens, totalTokens, estimated,
                costUsd, durationMs, ttfbMs, user, tags, error, units());
    }

    void reset() {
        requestId = null;
        key = null;
        endpoint = null;
        model = null;
        pricedAs = null;
        stream = false;
        status = 0;
        inputTokens = 0;
        cachedInputTokens = 0;
        outputTokens = 0;
        reasoningTokens = 0;
        totalTokens = -1;
        estimated = false;
        costUsd = null;
        durationMs = 0;
        ttfbMs = 0;
        user = null;
        tags = Map.of();
        error = null;
        cacheWriteTokens = 0;
        cacheWrite1hTokens = 0;
        audioInputTokens = 0;
        audioOutputTokens = 0;
        imageOutputTokens = 0;
        webSearchCalls = 0;
        images = 0;
        audioSeconds = BigDecimal.ZERO;
        characters = 0;
        serviceTier = null;
        provider = null;
        batch = false;
        extra = null;
    }

    /** Keeps an unknown field's value as its JSON text; the parser is on the value's first token. */
    void addExtra(String name, JsonParser p) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = EXTRA_JSON.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        if (extra == null) {
            extra = new LinkedHashMap<>(4);
        }
        extra.put(name, out.toString());
    }

    /**
     * The fields of the line SPEC 8 and 12 do not name (a newer replica's), each value as its JSON text, in line
     * order; empty without any.
     */
    public Map<String, String> extra() {
        return extra == null ? Map.of() : Collections.unmodifiableMap(extra);
    }

    private static String present(@Nullable String value) {
        if (value == null) {
            throw new IllegalStateException("read outside the reader's callback");
        }
        return value;
    }
}

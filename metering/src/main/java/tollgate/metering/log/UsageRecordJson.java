package tollgate.metering.log;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import tollgate.metering.usage.UnitCounts;

/**
 * Writes a {@link UsageRecord} as one usage-log line and reads it back, with SPEC 8's field names in SPEC 8's order.
 *
 * <p>The line is written as UTF-8 bytes straight from the record's fields ({@link JsonLine}: the log writer's thread
 * does this for every call, so no generator and no intermediate {@code String}s).
 */
public final class UsageRecordJson {
    private static final byte[] F_TS = field("{", "ts");
    private static final byte[] F_REQUEST_ID = field(",", "request_id");
    private static final byte[] F_KEY = field(",", "key");
    private static final byte[] F_ENDPOINT = field(",", "endpoint");
    private static final byte[] F_MODEL = field(",", "model");
    private static final byte[] F_PRICED_AS = field(",", "priced_as");
    private static final byte[] F_STREAM = field(",", "stream");
    private static final byte[] F_STATUS = field(",", "status");
    private static final byte[] F_INPUT = field(",", "input_tokens");
    private static final byte[] F_CACHED = field(",", "cached_input_tokens");
    private static final byte[] F_OUTPUT = field(",", "output_tokens");
    private static final byte[] F_REASONING = field(",", "reasoning_tokens");
    private static final byte[] F_TOTAL = field(",", "total_tokens");
    private static final byte[] F_ESTIMATED = field(",", "estimated");
    private static final byte[] F_COST = field(",", "cost_usd");
    private static final byte[] F_DURATION = field(",", "duration_ms");
    private static final byte[] F_TTFB = field(",", "ttfb_ms");
    private static final byte[] F_USER = field(",", "user");
    private static final byte[] F_TAGS = field(",", "tags");
    private static final byte[] F_ERROR = field(",", "error");
    private static final byte[] F_CACHE_WRITE = field(",", "cache_write_tokens");
    private static final byte[] F_CACHE_WRITE_1H = field(",", "cache_write_1h_tokens");
    private static final byte[] F_AUDIO_INPUT = field(",", "audio_input_tokens");
    private static final byte[] F_AUDIO_OUTPUT = field(",", "audio_output_tokens");
    private static final byte[] F_IMAGE_OUTPUT = field(",", "image_output_tokens");
    private static final byte[] F_WEB_SEARCH = field(",", "web_search_calls");
    private static final byte[] F_IMAGES = field(",", "images");
    private static final byte[] F_AUDIO_SECONDS = field(",", "audio_seconds");
    private static final byte[] F_CHARACTERS = field(",", "characters");
    private static final byte[] F_SERVICE_TIER = field(",", "service_tier");
    private static final byte[] F_PROVIDER = field(",", "provider");
    private static final byte[] F_BATCH = field(",", "batch");
    private static final byte[] F_UNPRICED = field(",", "unpriced");

    private UsageRecordJson() {
    }

    /** The record as one JSON line, without the line break. */
    public static String toJson(UsageRecord r) {
        return new String(toBytes(r), StandardCharsets.UTF_8);
    }

    /** The record as one JSON line in UTF-8, without the line break. */
    public static byte[] toBytes(UsageRecord r) {
        JsonLine out = JsonLine.local();
        out.raw(F_TS);
        out.ts(r.ts());
        out.raw(F_REQUEST_ID);
        out.string(r.requestId());
        out.raw(F_KEY);
        out.string(r.key());
        out.raw(F_ENDPOINT);
        out.string(r.endpoint());
        out.raw(F_MODEL);
        out.string(r.model());
        out.raw(F_PRICED_AS);
        out.string(r.pricedAs());
        out.raw(F_STREAM);
        out.bool(r.stream());
        out.raw(F_STATUS);
        out.number(r.status());
        out.raw(F_INPUT);
        out.number(r.inputTokens());
        out.raw(F_CACHED);
        out.number(r.cachedInputTokens());
        out.raw(F_OUTPUT);
        out.number(r.outputTokens());
        out.raw(F_REASONING);
        out.number(r.reasoningTokens());
        out.raw(F_TOTAL);
        out.number(r.totalTokens());
        out.raw(F_ESTIMATED);
        out.bool(r.estimated());
        out.raw(F_COST);
        out.decimal(r.costUsd());
        out.raw(F_DURATION);
        out.number(r.durationMs());
        out.raw(F_TTFB);
        out.number(r.ttfbMs());
        out.raw(F_USER);
        out.string(r.user());
        out.raw(F_TAGS);
        out.tags(r.tags());
        out.raw(F_ERROR);
        out.string(r.error());
        writeUnits(out, r.units());
        out.raw(F_UNPRICED);
        out.bool(r.unpriced());
        out.put('}');
        return out.toBytes();
    }

    /** SPEC 12's fields, after SPEC 8's. */
    private static void writeUnits(JsonLine out, UsageUnits units) {
        UnitCounts u = units.counts();
        out.raw(F_CACHE_WRITE);
        out.number(u.cacheWriteTokens());
        out.raw(F_CACHE_WRITE_1H);
        out.number(u.cacheWrite1hTokens());
        out.raw(F_AUDIO_INPUT);
        out.number(u.audioInputTokens());
        out.raw(F_AUDIO_OUTPUT);
        out.number(u.audioOutputTokens());
        out.raw(F_IMAGE_OUTPUT);
        out.number(u.imageOutputTokens());
        out.raw(F_WEB_SEARCH);
        out.number(u.webSearchCalls());
        out.raw(F_IMAGES);
        out.number(u.images());
        out.raw(F_AUDIO_SECONDS);
        out.decimal(u.audioSeconds());
        out.raw(F_CHARACTERS);
        out.number(u.characters());
        out.raw(F_SERVICE_TIER);
        out.string(units.serviceTier());
        out.raw(F_PROVIDER);
        out.string(units.provider());
        out.raw(F_BATCH);
        out.bool(units.batch());
    }

    /**
     * A decimal as the log writes it: plain (never {@code 2.775E-4}), without trailing zeros (never {@code 0.00027750}),
     * {@code 0} for zero; scripts compare and sum these as text, and the store keeps them the same.
     */
    public static String plainDecimal(BigDecimal v) {
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    /** ISO-8601 UTC with exactly three fraction digits, as in the log's {@code ts}, e.g. 2026-11-22T10:30:45.123Z. */
    public static String formatTs(Instant ts) {
        JsonLine out = JsonLine.local();
        out.tsDigits(ts);
        return out.toString();
    }

    private static byte[] field(String before, String name) {
        return JsonLine.field(before, name);
    }

    /**
     * Reads one usage-log line by the rules every reader of the log applies ({@link UsageLineParser}).
     *
     * @throws MalformedLineException when the line breaks one of them
     */
    public static UsageRecord parse(String line) {
        UsageLineParser parser = new UsageLineParser(UsageLine.Fields.ALL);
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (!parser.parse(bytes, 0, bytes.length)) {
            throw Objects.requireNonNull(parser.failure());
        }
        return parser.line().toRecord();
    }
}

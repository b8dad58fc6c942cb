package tollgate.metering.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;

/**
 * Writes a {@link UsageRecord} as one usage-log line and reads it back, with SPEC 8's field names in SPEC 8's order.
 */
public final class UsageRecordJson {
    // Jackson's factory is thread-safe and recycles the generators' buffers, so a generator per line is cheap.
    private static final JsonFactory FACTORY = JsonFactory.builder().build();
    // SPEC 8: always milliseconds, always 'Z', e.g. 2026-11-22T10:30:45.123Z (Instant.toString drops zero millis)
    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private static final SerializedString F_TS = new SerializedString("ts");
    private static final SerializedString F_REQUEST_ID = new SerializedString("request_id");
    private static final SerializedString F_KEY = new SerializedString("key");
    private static final SerializedString F_ENDPOINT = new SerializedString("endpoint");
    private static final SerializedString F_MODEL = new SerializedString("model");
    private static final SerializedString F_PRICED_AS = new SerializedString("priced_as");
    private static final SerializedString F_STREAM = new SerializedString("stream");
    private static final SerializedString F_STATUS = new SerializedString("status");
    private static final SerializedString F_INPUT = new SerializedString("input_tokens");
    private static final SerializedString F_CACHED = new SerializedString("cached_input_tokens");
    private static final SerializedString F_OUTPUT = new SerializedString("output_tokens");
    private static final SerializedString F_REASONING = new SerializedString("reasoning_tokens");
    private static final SerializedString F_TOTAL = new SerializedString("total_tokens");
    private static final SerializedString F_ESTIMATED = new SerializedString("estimated");
    private static final SerializedString F_COST = new SerializedString("cost_usd");
    private static final SerializedString F_DURATION = new SerializedString("duration_ms");
    private static final SerializedString F_TTFB = new SerializedString("ttfb_ms");
    private static final SerializedString F_USER = new SerializedString("user");
    private static final SerializedString F_TAGS = new SerializedString("tags");
    private static final SerializedString F_ERROR = new SerializedString("error");
    private static final SerializedString F_CACHE_WRITE = new SerializedString("cache_write_tokens");
    private static final SerializedString F_CACHE_WRITE_1H = new SerializedString("cache_write_1h_tokens");
    private static final SerializedString F_AUDIO_INPUT = new SerializedString("audio_input_tokens");
    private static final SerializedString F_AUDIO_OUTPUT = new SerializedString("audio_output_tokens");
    private static final SerializedString F_IMAGE_OUTPUT = new SerializedString("image_output_tokens");
    private static final SerializedString F_WEB_SEARCH = new SerializedString("web_search_calls");
    private static final SerializedString F_IMAGES = new SerializedString("images");
    private static final SerializedString F_AUDIO_SECONDS = new SerializedString("audio_seconds");
    private static final SerializedString F_CHARACTERS = new SerializedString("characters");
    private static final SerializedString F_SERVICE_TIER = new SerializedString("service_tier");
    private static final SerializedString F_PROVIDER = new SerializedString("provider");
    private static final SerializedString F_BATCH = new SerializedString("batch");
    private static final SerializedString F_UNPRICED = new SerializedString("unpriced");

    private UsageRecordJson() {
    }

    /** The record as one JSON line, without the line break. */
    public static String toJson(UsageRecord r) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeFieldName(F_TS);
            g.writeString(formatTs(r.ts()));
            g.writeFieldName(F_REQUEST_ID);
            g.writeString(r.requestId());
            g.writeFieldName(F_KEY);
            g.writeString(r.key());
            g.writeFieldName(F_ENDPOINT);
            g.writeString(r.endpoint());
            g.writeFieldName(F_MODEL);
            g.writeString(r.model());
            g.writeFieldName(F_PRICED_AS);
            g.writeString(r.pricedAs());
            g.writeFieldName(F_STREAM);
            g.writeBoolean(r.stream());
            g.writeFieldName(F_STATUS);
            g.writeNumber(r.status());
            g.writeFieldName(F_INPUT);
            g.writeNumber(r.inputTokens());
            g.writeFieldName(F_CACHED);
            g.writeNumber(r.cachedInputTokens());
            g.writeFieldName(F_OUTPUT);
            g.writeNumber(r.outputTokens());
            g.writeFieldName(F_REASONING);
            g.writeNumber(r.reasoningTokens());
            g.writeFieldName(F_TOTAL);
            g.writeNumber(r.totalTokens());
            g.writeFieldName(F_ESTIMATED);
            g.writeBoolean(r.estimated());
            g.writeFieldName(F_COST);
            writeCost(g, r.costUsd());
            g.writeFieldName(F_DURATION);
            g.writeNumber(r.durationMs());
            g.writeFieldName(F_TTFB);
            g.writeNumber(r.ttfbMs());
            g.writeFieldName(F_USER);
            g.writeString(r.user());
            g.writeFieldName(F_TAGS);
            g.writeStartObject();
            for (Map.Entry<String, String> tag : new TreeMap<>(r.tags()).entrySet()) {
                g.writeStringField(tag.getKey(), tag.getValue());
            }
            g.writeEndObject();
            g.writeFieldName(F_ERROR);
            g.writeString(r.error());
            writeUnits(g, r.units());
            g.writeFieldName(F_UNPRICED);
            g.writeBoolean(r.unpriced());
            g.writeEndObject();
        } catch (IOException e) {
            // a StringWriter does not fail; Jackson declares IOException for every target
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** SPEC 12's fields, after SPEC 8's. */
    private static void writeUnits(JsonGenerator g, UsageUnits units) throws IOException {
        UnitCounts u = units.counts();
        g.writeFieldName(F_CACHE_WRITE);
        g.writeNumber(u.cacheWriteTokens());
        g.writeFieldName(F_CACHE_WRITE_1H);
        g.writeNumber(u.cacheWrite1hTokens());
        g.writeFieldName(F_AUDIO_INPUT);
        g.writeNumber(u.audioInputTokens());
        g.writeFieldName(F_AUDIO_OUTPUT);
        g.writeNumber(u.audioOutputTokens());
        g.writeFieldName(F_IMAGE_OUTPUT);
        g.writeNumber(u.imageOutputTokens());
        g.writeFieldName(F_WEB_SEARCH);
        g.writeNumber(u.webSearchCalls());
        g.writeFieldName(F_IMAGES);
        g.writeNumber(u.images());
        g.writeFieldName(F_AUDIO_SECONDS);
        writeCost(g, u.audioSeconds());
        g.writeFieldName(F_CHARACTERS);
        g.writeNumber(u.characters());
        g.writeFieldName(F_SERVICE_TIER);
        g.writeString(units.serviceTier());
        g.writeFieldName(F_PROVIDER);
        g.writeString(units.provider());
        g.writeFieldName(F_BATCH);
        g.writeBoolean(units.batch());
    }

    /** ISO-8601 UTC with exactly three fraction digits, as in the log's {@code ts}. */
    public static String formatTs(Instant ts) {
        return TS.format(ts);
    }

    /** A decimal as a plain number without trailing zeros (cost and seconds), or null. */
    private static void writeCost(JsonGenerator g, @Nullable BigDecimal cost) throws IOException {
        if (cost == null) {
            g.writeNull();
        } else {
            // a plain number, never 2.775E-4 and never 0.00027750: scripts compare and sum these as text too
            g.writeNumber(cost.stripTrailingZeros().toPlainString());
        }
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

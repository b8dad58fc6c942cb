package tollgate.metering.log;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Reads one usage-log line field by field; one instance per line (see {@link UsageRecordJson#parse}). */
final class UsageLineParser {
    private final JsonParser p;

    UsageLineParser(JsonParser p) {
        this.p = p;
    }

    UsageRecord read() throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new MalformedLineException("not a JSON object");
        }
        Instant ts = null;
        String requestId = null;
        String key = null;
        String endpoint = null;
        String model = null;
        String pricedAs = null;
        boolean stream = false;
        int status = 0;
        long input = 0;
        long cached = 0;
        long output = 0;
        long reasoning = 0;
        long total = 0;
        boolean estimated = false;
        BigDecimal cost = null;
        long durationMs = 0;
        long ttfbMs = 0;
        String user = null;
        Map<String, String> tags = Map.of();
        String error = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "ts" -> ts = parseTs(string(name));
                case "request_id" -> requestId = string(name);
                case "key" -> key = string(name);
                case "endpoint" -> endpoint = string(name);
                case "model" -> model = string(name);
                case "priced_as" -> pricedAs = string(name);
                case "stream" -> stream = bool(name);
                case "status" -> status = status(integer(name));
                case "input_tokens" -> input = integer(name);
                case "cached_input_tokens" -> cached = integer(name);
                case "output_tokens" -> output = integer(name);
                case "reasoning_tokens" -> reasoning = integer(name);
                case "total_tokens" -> total = integer(name);
                case "estimated" -> estimated = bool(name);
                case "cost_usd" -> cost = decimal(name);
                case "duration_ms" -> durationMs = integer(name);
                case "ttfb_ms" -> ttfbMs = integer(name);
                case "user" -> user = string(name);
                case "tags" -> tags = tags();
                case "error" -> error = string(name);
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw new MalformedLineException("content after the object");
        }
        return new UsageRecord(required(ts, "ts"), required(requestId, "request_id"), required(key, "key"),
                required(endpoint, "endpoint"), model, pricedAs, stream, status, input, cached, output, reasoning,
                total, estimated, cost, durationMs, ttfbMs, user, tags, error);
    }

    private @Nullable String string(String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(field, "a string or null");
        }
        return p.getText();
    }

    private boolean bool(String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw wrongType(field, "true or false");
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private long integer(String field) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(field, "an integer");
        }
        return p.getLongValue();
    }

    private @Nullable BigDecimal decimal(String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw wrongType(field, "a number or null");
        }
        // parsed from the text, never through a double: cost sums stay exact
        return p.getDecimalValue();
    }

    private Map<String, String> tags() throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (t != JsonToken.START_OBJECT) {
            throw wrongType("tags", "an object of strings");
        }
        Map<String, String> tags = new TreeMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw wrongType("tags." + name, "a string");
            }
            tags.put(name, p.getText());
        }
        return tags;
    }

    private static int status(long value) {
        if (value < 0 || value > 999) {
            throw new MalformedLineException("status: " + value + " (expected: an HTTP status, 0 when none)");
        }
        return (int) value;
    }

    private static Instant parseTs(@Nullable String text) {
        if (text == null) {
            throw new MalformedLineException("ts: null (expected: an ISO-8601 instant)");
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new MalformedLineException("ts: '" + text + "' (expected: an ISO-8601 instant)", e);
        }
    }

    private static <T> T required(@Nullable T value, String field) {
        if (value == null) {
            throw new MalformedLineException(field + ": missing (expected: present and not null)");
        }
        return value;
    }

    private MalformedLineException wrongType(String field, String expected) {
        return new MalformedLineException(field + ": " + p.currentToken() + " (expected: " + expected + ")");
    }
}

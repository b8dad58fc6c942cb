package tollgate.metering.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads one usage-log line (SPEC 8) with Jackson's streaming parser, keeping only the fields reports use;
 * one instance per thread, its fields overwritten by each {@link #parse}.
 */
final class UsageLineParser {
    private static final JsonFactory JSON = new JsonFactory();

    String ts = "";
    LocalDate day = LocalDate.EPOCH;
    @Nullable String key;
    @Nullable String endpoint;
    @Nullable String model;
    @Nullable String pricedAs;
    long inputTokens;
    long cachedInputTokens;
    long outputTokens;
    long reasoningTokens;
    long totalTokens;
    boolean estimated;
    @Nullable BigDecimal costUsd;
    @Nullable String user;
    Map<String, String> tags = Map.of();
    @Nullable String error;

    private final boolean keepUser;
    private final @Nullable Set<String> keepTags;

    /** The date part of the last {@code ts}: most lines of a file share it, so it is parsed once. */
    private final char[] lastDate = new char[10];
    private LocalDate lastDay = LocalDate.EPOCH;

    /** A parser that keeps every field. */
    UsageLineParser() {
        this(true, null);
    }

    /**
     * @param keepUser false leaves {@link #user} null: a report that neither groups nor filters by user
     * @param keepTags the tag names to keep; null keeps all
     */
    UsageLineParser(boolean keepUser, @Nullable Set<String> keepTags) {
        this.keepUser = keepUser;
        this.keepTags = keepTags;
    }

    /** Parses {@code len} bytes of one line; false when they are not a usage record. */
    boolean parse(byte[] buf, int off, int len) {
        reset();
        boolean hasTs = false;
        boolean hasTotal = false;
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ts" -> hasTs = readTs(p, t);
                    case "key" -> key = text(p, t);
                    case "endpoint" -> endpoint = text(p, t);
                    case "model" -> model = text(p, t);
                    case "priced_as" -> pricedAs = text(p, t);
                    case "input_tokens" -> inputTokens = count(p, t);
                    case "cached_input_tokens" -> cachedInputTokens = count(p, t);
                    case "output_tokens" -> outputTokens = count(p, t);
                    case "reasoning_tokens" -> reasoningTokens = count(p, t);
                    case "total_tokens" -> {
                        totalTokens = count(p, t);
                        hasTotal = true;
                    }
                    case "estimated" -> estimated = t == JsonToken.VALUE_TRUE;
                    case "cost_usd" -> costUsd = t == JsonToken.VALUE_NULL ? null : decimal(p, t);
                    case "user" -> user = keepUser ? text(p, t) : skipText(p, t);
                    case "tags" -> tags = tags(p, t, keepTags);
                    case "error" -> error = text(p, t);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return false;
            }
        } catch (IOException | IllegalArgumentException | DateTimeParseException e) {
            return false;
        }
        if (!hasTotal) {
            totalTokens = inputTokens + outputTokens;
        }
        return hasTs && key != null && endpoint != null && cachedInputTokens <= inputTokens;
    }

    /** The record's instant; only needed near a cut-off, so not parsed for every line. */
    Instant instant() {
        return OffsetDateTime.parse(ts).toInstant();
    }

    private void reset() {
        key = null;
        endpoint = null;
        model = null;
        pricedAs = null;
        inputTokens = 0;
        cachedInputTokens = 0;
        outputTokens = 0;
        reasoningTokens = 0;
        totalTokens = 0;
        estimated = false;
        costUsd = null;
        user = null;
        tags = Map.of();
        error = null;
    }

    private boolean readTs(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw new IllegalArgumentException("ts: not a string");
        }
        ts = p.getText();
        if (ts.length() > 10 && ts.charAt(10) == 'T' && ts.charAt(ts.length() - 1) == 'Z') {
            if (!sameDate(ts)) {
                lastDay = LocalDate.parse(ts.substring(0, 10));
                ts.getChars(0, 10, lastDate, 0);
            }
            day = lastDay;
        } else {
            day = LocalDate.ofInstant(instant(), ZoneOffset.UTC);
        }
        return true;
    }

    private boolean sameDate(String s) {
        for (int i = 0; i < 10; i++) {
            if (lastDate[i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static @Nullable String text(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NULL -> null;
            case VALUE_STRING, VALUE_NUMBER_INT -> p.getText();
            default -> throw new IllegalArgumentException(p.currentName() + ": not a string");
        };
    }

    private static @Nullable String skipText(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NULL && t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NUMBER_INT) {
            throw new IllegalArgumentException(p.currentName() + ": not a string");
        }
        return null;
    }

    private static long count(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
            throw new IllegalArgumentException(p.currentName() + ": not a token count");
        }
        return p.getLongValue();
    }

    private static BigDecimal decimal(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw new IllegalArgumentException("cost_usd: not a number");
        }
        return p.getDecimalValue();
    }

    private static Map<String, String> tags(JsonParser p, JsonToken t, @Nullable Set<String> keep) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (t != JsonToken.START_OBJECT) {
            throw new IllegalArgumentException("tags: not an object");
        }
        Map<String, String> tags = null;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken vt = p.nextToken();
            if (keep != null && !keep.contains(name)) {
                skipText(p, vt);
                continue;
            }
            String value = text(p, vt);
            if (value != null) {
                if (tags == null) {
                    tags = new HashMap<>(4);
                }
                tags.put(name, value);
            }
        }
        return tags == null ? Map.of() : Map.copyOf(tags);
    }
}

package tollgate.metering.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.TextChars;

/**
 * The rules of a usage-log line (SPEC 8), the same for every reader: one JSON object, nothing after it;
 * {@code ts} (an ISO-8601 instant), {@code key} (not empty) and {@code endpoint} are required strings; {@code
 * request_id}, {@code model}, {@code priced_as}, {@code user}, {@code error} are strings or null; token counts are
 * integers {@code >= 0}, with cached input at most input; {@code status}, {@code duration_ms} and {@code ttfb_ms}
 * integers; {@code stream} and {@code estimated} true or false; {@code cost_usd} a number
 * {@code >= 0} or null; {@code tags} an object of strings (null values dropped) or null; SPEC 12's unit counts
 * integers {@code >= 0}, {@code audio_seconds} a number {@code >= 0}, {@code service_tier} and {@code provider}
 * strings or null, {@code batch} and {@code unpriced} true or false ({@code unpriced} is {@code cost_usd} null, so
 * it is checked, not kept). A missing optional field
 * reads as 0, false or null, a missing {@code total_tokens} as input + output; unknown fields are skipped (newer
 * writers add some), kept as they were written in {@link UsageLine#extra()} for the database store.
 *
 * <p>Reads the line's bytes with Jackson's streaming parser into one reused {@link UsageLine}: one instance per
 * thread.
 */
final class UsageLineParser {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** Longer values are read as new strings each time: model names and key ids are shorter. */
    private static final int MAX_KNOWN_CHARS = 96;

    private final UsageLine line = new UsageLine();
    /** Strings of the few-valued fields read lately, by a hash of their characters ({@link #known}). */
    private final String[] known = new String[256];
    private final UsageLine.Fields fields;
    private @Nullable MalformedLineException failure;

    /** The date part of the last {@code ts}: most lines of a file share it, so it is parsed once. */
    private final char[] lastDate = new char[10];
    private LocalDate lastDay = LocalDate.EPOCH;
    private long lastEpochDaySecond;

    UsageLineParser(UsageLine.Fields fields) {
        this.fields = fields;
    }

    UsageLine line() {
        return line;
    }

    /** Why the last line {@link #parse} refused is not a usage record. */
    @Nullable MalformedLineException failure() {
        return failure;
    }

    /** Reads {@code len} bytes of one line into {@link #line()}; false (and a {@link #failure()}) when it breaks a rule. */
    boolean parse(byte[] buf, int off, int len) {
        try {
            read(buf, off, len);
            failure = null;
            return true;
        } catch (MalformedLineException e) {
            failure = e;
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            failure = new MalformedLineException("not valid JSON" + at, e);
        } catch (IOException e) {
            failure = new MalformedLineException("unreadable (" + e.getClass().getSimpleName() + ")", e);
        }
        return false;
    }

    private void read(byte[] buf, int off, int len) throws IOException {
        UsageLine l = line;
        l.reset();
        boolean hasTs = false;
        try (JsonParser p = JSON.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedLineException("not a JSON object");
            }
            String name;
            while ((name = p.nextFieldName()) != null) {
                JsonToken t = p.nextToken();
                switch (name) {
                    case "ts" -> hasTs = readTs(p, t);
                    case "request_id" -> l.requestId = fields.details() ? text(p, t, name) : skipText(p, t, name);
                    case "key" -> l.key = known(p, t, name);
                    case "endpoint" -> l.endpoint = known(p, t, name);
                    case "model" -> l.model = known(p, t, name);
                    case "priced_as" -> l.pricedAs = known(p, t, name);
                    case "stream" -> l.stream = bool(t, name) && fields.details();
                    case "status" -> l.status = fields.details() ? status(p, t) : (int) checkInteger(t, name);
                    case "input_tokens" -> l.inputTokens = count(p, t, name);
                    case "cached_input_tokens" -> l.cachedInputTokens = count(p, t, name);
                    case "output_tokens" -> l.outputTokens = count(p, t, name);
                    case "reasoning_tokens" -> l.reasoningTokens = count(p, t, name);
                    case "total_tokens" -> l.totalTokens = count(p, t, name);
                    case "estimated" -> l.estimated = bool(t, name);
                    case "cost_usd" -> l.costUsd = cost(p, t);
                    case "duration_ms" -> l.durationMs = integer(p, t, name);
                    case "ttfb_ms" -> l.ttfbMs = fields.details() ? integer(p, t, name) : checkInteger(t, name);
                    case "user" -> l.user = fields.user() ? text(p, t, name) : skipText(p, t, name);
                    case "tags" -> l.tags = tags(p, t);
                    case "error" -> l.error = text(p, t, name);
                    case "cache_write_tokens" -> l.cacheWriteTokens = count(p, t, name);
                    case "cache_write_1h_tokens" -> l.cacheWrite1hTokens = count(p, t, name);
                    case "audio_input_tokens" -> l.audioInputTokens = count(p, t, name);
                    case "audio_output_tokens" -> l.audioOutputTokens = count(p, t, name);
                    case "image_output_tokens" -> l.imageOutputTokens = count(p, t, name);
                    case "web_search_calls" -> l.webSearchCalls = count(p, t, name);
                    case "images" -> l.images = count(p, t, name);
                    case "audio_seconds" -> l.audioSeconds = decimal(p, t, name);
                    case "characters" -> l.characters = count(p, t, name);
                    case "service_tier" -> l.serviceTier = known(p, t, name);
                    case "provider" -> l.provider = known(p, t, name);
                    case "batch" -> l.batch = bool(t, name);
                    case "unpriced" -> bool(t, name);
                    default -> l.addExtra(name, p);
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new MalformedLineException("content after the object");
            }
        }
        if (!hasTs) {
            throw missing("ts");
        }
        if (l.key == null || l.key.isEmpty()) {
            throw l.key == null ? missing("key") : new MalformedLineException("key: '' (expected: a key id)");
        }
        if (l.endpoint == null) {
            throw missing("endpoint");
        }
        if (l.cachedInputTokens > l.inputTokens) {
            throw new MalformedLineException("cached_input_tokens: " + l.cachedInputTokens
                    + " (expected: at most input_tokens, " + l.inputTokens + ")");
        }
        if (l.totalTokens < 0) {
            l.totalTokens = l.inputTokens + l.outputTokens;
        }
    }

    private boolean readTs(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(t, "ts", "an ISO-8601 instant");
        }
        // read in place: no String for the writer's own form, which is nearly every line
        if (!readCanonicalTs(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())) {
            String ts = p.getText();
            Instant i;
            try {
                i = Instant.parse(ts);
            } catch (DateTimeParseException e) {
                throw new MalformedLineException("ts: '" + ts + "' (expected: an ISO-8601 instant)", e);
            }
            line.epochSecond = i.getEpochSecond();
            line.nano = i.getNano();
            line.day = LocalDate.ofInstant(i, ZoneOffset.UTC);
        }
        return true;
    }

    /**
     * The writer's own form, {@code YYYY-MM-DDTHH:MM:SS[.fraction]Z}, read without a formatter (it is most of a
     * report's time otherwise); false for any other form, left to {@link Instant#parse}.
     */
    private boolean readCanonicalTs(char[] c, int off, int n) {
        if (n < 20 || n > 30 || c[off + 4] != '-' || c[off + 7] != '-' || c[off + 10] != 'T'
                || c[off + 13] != ':' || c[off + 16] != ':' || c[off + n - 1] != 'Z') {
            return false;
        }
        int h = digits(c, off + 11, off + 13);
        int m = digits(c, off + 14, off + 16);
        int sec = digits(c, off + 17, off + 19);
        if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) {
            return false;
        }
        int nano = 0;
        if (n > 20) {
            if (c[off + 19] != '.' || n == 21) {
                return false;
            }
            nano = digits(c, off + 20, off + n - 1);
            if (nano < 0) {
                return false;
            }
            for (int i = n - 1 - 20; i < 9; i++) {
                nano *= 10;
            }
        }
        if (!sameDate(c, off)) {
            if (digits(c, off, off + 4) < 0 || digits(c, off + 5, off + 7) < 0 || digits(c, off + 8, off + 10) < 0) {
                return false;
            }
            try {
                lastDay = LocalDate.parse(new String(c, off, 10));
            } catch (DateTimeParseException e) {
                return false;
            }
            lastEpochDaySecond = lastDay.toEpochDay() * 86_400;
            System.arraycopy(c, off, lastDate, 0, 10);
        }
        line.day = lastDay;
        line.epochSecond = lastEpochDaySecond + h * 3600L + m * 60L + sec;
        line.nano = nano;
        return true;
    }

    private boolean sameDate(char[] c, int off) {
        for (int i = 0; i < 10; i++) {
            if (lastDate[i] != c[off + i]) {
                return false;
            }
        }
        return true;
    }

    /** The decimal value of {@code c[from, to)}, at most 9 digits; -1 when not all digits. */
    private static int digits(char[] c, int from, int to) {
        if (to - from > 9) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            char d = c[i];
            if (d < '0' || d > '9') {
                return -1;
            }
            v = v * 10 + (d - '0');
        }
        return v;
    }

    private static @Nullable String text(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            throw wrongType(t, field, "a string or null");
        }
        return p.getText();
    }

    /**
     * {@link #text} for a field of few values (key, endpoint, model, priced_as, provider, service_tier): the string
     * read for the same characters lately, from a small table, instead of a new one per line (most of a line's
     * strings otherwise; a report or the store's shipper reads millions of lines).
     */
    private @Nullable String known(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            return text(p, t, field);
        }
        char[] c = p.getTextCharacters();
        int off = p.getTextOffset();
        int n = p.getTextLength();
        if (n > MAX_KNOWN_CHARS) {
            return p.getText();
        }
        int h = 0;
        for (int i = 0; i < n; i++) {
            h = 31 * h + c[off + i];
        }
        int slot = (h ^ h >>> 16) & (known.length - 1);
        String s = known[slot];
        if (s == null || !TextChars.equals(s, c, off, n)) {
            s = new String(c, off, n);
            known[slot] = s;
        }
        return s;
    }

    /** Checks a text field that is not kept, without materializing it. */
    private static @Nullable String skipText(JsonParser p, JsonToken t, String field) {
        if (t != JsonToken.VALUE_NULL && t != JsonToken.VALUE_STRING) {
            throw wrongType(t, field, "a string or null");
        }
        return null;
    }

    private static boolean bool(JsonToken t, String field) {
        if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
            throw wrongType(t, field, "true or false");
        }
        return t == JsonToken.VALUE_TRUE;
    }

    private static long integer(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(t, field, "an integer");
        }
        return p.getLongValue();
    }

    /** Checks an integer that is not kept, without converting it: 0. */
    private static long checkInteger(JsonToken t, String field) {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw wrongType(t, field, "an integer");
        }
        return 0;
    }

    private static long count(JsonParser p, JsonToken t, String field) throws IOException {
        long v = integer(p, t, field);
        if (v < 0) {
            throw new MalformedLineException(field + ": " + v + " (expected: a token count, >= 0)");
        }
        return v;
    }

    private static int status(JsonParser p, JsonToken t) throws IOException {
        long v = integer(p, t, "status");
        // only a whole record keeps the status, so its range is no rule of the line: a line counts the same either way
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    private static BigDecimal decimal(JsonParser p, JsonToken t, String field) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw wrongType(t, field, "a number >= 0");
        }
        BigDecimal v = p.getDecimalValue();
        if (v.signum() < 0) {
            throw new MalformedLineException(field + ": " + v.toPlainString() + " (expected: >= 0)");
        }
        return v;
    }

    private static @Nullable BigDecimal cost(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw wrongType(t, "cost_usd", "a number or null");
        }
        // parsed from the text, never through a double: cost sums stay exact
        BigDecimal v = p.getDecimalValue();
        if (v.signum() < 0) {
            throw new MalformedLineException("cost_usd: " + v.toPlainString() + " (expected: >= 0 or null)");
        }
        return v;
    }

    private Map<String, String> tags(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (t != JsonToken.START_OBJECT) {
            throw wrongType(t, "tags", "an object of strings");
        }
        Map<String, String> tags = null;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken vt = p.nextToken();
            if (vt != JsonToken.VALUE_STRING) {
                if (vt != JsonToken.VALUE_NULL) {
                    throw wrongType(vt, "tags." + name, "a string or null");
                }
            } else if (fields.keepsTag(name)) {
                if (tags == null) {
                    tags = new HashMap<>(4);
                }
                tags.put(name, p.getText());
            }
        }
        return tags == null ? Map.of() : Map.copyOf(tags);
    }

    private static MalformedLineException missing(String field) {
        return new MalformedLineException(field + ": missing (expected: present and not null)");
    }

    private static MalformedLineException wrongType(JsonToken t, String field, String expected) {
        return new MalformedLineException(field + ": " + t + " (expected: " + expected + ")");
    }
}

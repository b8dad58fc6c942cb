package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Scans a JSON answer as its bytes arrive and keeps only the top-level {@code model} and {@code service_tier} strings
 * and the {@code usage} and {@code error} objects: never the whole body.
 *
 * <p>A byte-level pass follows the top level of the object (keys, colons, commas) and skips every other value by
 * counting brackets and quotes, without decoding it: a 1 MiB {@code content} costs one pass over its bytes and no
 * characters (bench/RESULTS.md, item 1). Only the bytes of the three values it keeps are copied, and handed to
 * Jackson once complete. Structure it cannot follow at the top level ends the scan, keeping what it read before.
 */
final class JsonBodyScanner {
    /** usage and error objects are a few hundred bytes; anything far larger is not one of them. */
    static final int MAX_CAPTURED_BYTES = 64 * 1024;

    private static final int BEFORE_ROOT = 0;
    private static final int BEFORE_KEY = 1;
    private static final int IN_KEY = 2;
    private static final int AFTER_KEY = 3;
    private static final int BEFORE_VALUE = 4;
    private static final int IN_STRING = 5;
    private static final int IN_NESTED = 6;
    private static final int IN_SCALAR = 7;
    private static final int AFTER_VALUE = 8;
    private static final int DONE = 9;

    private static final int OTHER = 0;
    private static final int MODEL = 1;
    private static final int USAGE = 2;
    private static final int ERROR = 3;
    private static final int SERVICE_TIER = 4;
    private static final int OUTPUT = 5;
    private static final int DATA = 6;
    private static final int DURATION = 7;
    private static final byte[][] KEYS = {null, ascii("model"), ascii("usage"), ascii("error"), ascii("service_tier"),
        ascii("output"), ascii("data"), ascii("duration")};
    /** A Responses output item of one web search (billed per call, SPEC 12), as a string value of an item. */
    private static final byte[] WEB_SEARCH_CALL = ascii("\"web_search_call\"");
    private static final int MAX_KEY_BYTES = 12;
    // one capture scratch per thread, taken out while in use (as SseDecoder's): no array per answer
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1][]);
    private static final int WINDOW_BYTES = 8 * 1024;
    private static final ThreadLocal<byte[][]> WINDOW = ThreadLocal.withInitial(() -> new byte[1][]);

    private int state = BEFORE_ROOT;
    private int bomMatched;
    private final byte[] key = new byte[MAX_KEY_BYTES];
    private int keyLength;
    private boolean keyEscaped;
    private int field;
    private int depth;
    private boolean inString;
    private boolean escaped;
    private boolean capturing;
    private byte @Nullable [] captured;
    private int capturedLength;
    /** The thread's scratch while {@link #feed} runs, else null. */
    private byte @Nullable [] scratch;

    private @Nullable String model;
    private @Nullable Usage usage;
    private @Nullable JsonNode error;
    private @Nullable String serviceTier;
    private long webSearchCalls;
    private long dataItems;
    private @Nullable BigDecimal duration;
    private @Nullable BigDecimal usageSeconds;
    /** Inside the top-level {@code output} array: how much of a string at item level matches {@link #WEB_SEARCH_CALL}. */
    private int itemStringMatched = -1;

    void feed(ByteBuffer buf) {
        if (state == DONE) {
            return;
        }
        byte[][] slot = SCRATCH.get();
        byte[] s = slot[0];
        slot[0] = null;
        scratch = s != null ? s : new byte[MAX_CAPTURED_BYTES];
        try {
            if (buf.hasArray()) {
                scan(buf.array(), buf.arrayOffset() + buf.position(), buf.arrayOffset() + buf.limit());
            } else {
                // a direct buffer is read a window at a time into the thread's array: a loop over an array is what
                // the JIT compiles best (no per-byte index check and memory-session lookup of ByteBuffer.get)
                byte[][] w = WINDOW.get();
                byte[] window = w[0];
                if (window == null) {
                    window = w[0] = new byte[WINDOW_BYTES];
                }
                for (int at = buf.position(), end = buf.limit(); at < end && state != DONE; ) {
                    int n = Math.min(window.length, end - at);
                    buf.get(at, window, 0, n);
                    scan(window, 0, n);
                    at += n;
                }
            }
        } finally {
            if (captured == scratch) {
                captured = null;
            }
            slot[0] = scratch;
            scratch = null;
        }
    }

    private void scan(byte[] b, int from, int to) {
        for (int i = from; i < to && state != DONE; ) {
            i = step(b, i, to);
        }
        if (capturing && captured == scratch) {
            // a value that goes on in the next read (or window): its bytes so far move to an array of its own
            captured = Arrays.copyOf(scratch, Math.max(2 * capturedLength, 256));
        }
    }

    void end() {
        // a value cut off by the end of the body is not read
        state = DONE;
        captured = null;
    }

    @Nullable String model() {
        return model;
    }

    @Nullable Usage usage() {
        return usage;
    }

    @Nullable JsonNode error() {
        return error;
    }

    @Nullable String serviceTier() {
        return serviceTier;
    }

    /**
     * The {@code web_search_call} items of a Responses answer's {@code output}: string values {@code "web_search_call"}
     * of its items (their {@code type}), counted without reading the items.
     */
    long webSearchCalls() {
        return webSearchCalls;
    }

    /** The objects of the top-level {@code data} array (an Images API answer's images), counted without reading them. */
    long dataItems() {
        return dataItems;
    }

    /** The top-level {@code duration} number (a transcription's seconds, {@code verbose_json}), exact; null when none. */
    @Nullable BigDecimal duration() {
        return duration;
    }

    /**
     * The {@code seconds} of a usage object that names no token count: a transcription billed by its audio's length
     * answers {@code "usage": {"type": "duration", "seconds": 9}} (API reference, createTranscription, whisper-1's
     * {@code json} and {@code verbose_json}); exact, null when none.
     */
    @Nullable BigDecimal usageSeconds() {
        return usageSeconds;
    }

    /** Consumes bytes from {@code i} in the current state; returns the index of the first byte not consumed. */
    private int step(byte[] b, int i, int to) {
        if (state == IN_STRING || state == IN_NESTED) {
            return value(b, i, to);
        }
        byte c = b[i];
        if (state == BEFORE_ROOT && bomMatched >= 0 && bomMatched < BOM.length && c == BOM[bomMatched]) {
            // one UTF-8 byte order mark at the very start, which Jackson also skips
            bomMatched++;
            return i + 1;
        }
        bomMatched = -1;
        if (state == IN_KEY) {
            key(c);
            return i + 1;
        }
        if (state == IN_SCALAR && c != ',' && c != '}') {
            if (isSpace(c)) {
                scalarEnded();
                state = AFTER_VALUE;
            } else {
                capture(b, i, i + 1);
            }
            return i + 1;
        }
        if (isSpace(c)) {
            return i + 1;
        }
        switch (state) {
            // an array or scalar answer carries no usage
            case BEFORE_ROOT -> state = c == '{' ? BEFORE_KEY : DONE;
            case BEFORE_KEY -> {
                // '}' ends the root object; anything but a key is not JSON this scan follows
                state = c == '"' ? IN_KEY : DONE;
                keyLength = 0;
                keyEscaped = escaped = false;
            }
            case AFTER_KEY -> state = c == ':' ? BEFORE_VALUE : DONE;
            case BEFORE_VALUE -> {
                startValue(c);
                capturedLength = 0;
                capture(b, i, i + 1);
            }
            // '}' ends the root object: what follows it is not read, as Jackson's readTree does
            case IN_SCALAR, AFTER_VALUE -> {
                if (state == IN_SCALAR) {
                    scalarEnded();
                }
                state = c == ',' ? BEFORE_KEY : DONE;
            }
            default -> state = DONE;
        }
        return i + 1;
    }

    private void key(byte c) {
        if (escaped) {
            escaped = false;
        } else if (c == '\\') {
            escaped = keyEscaped = true;
        } else if (c == '"') {
            field = keyEscaped || keyLength > MAX_KEY_BYTES ? OTHER : field(key, keyLength);
            state = AFTER_KEY;
            return;
        }
        if (keyLength < MAX_KEY_BYTES) {
            key[keyLength] = c;
        }
        keyLength++;
    }

    private void startValue(byte c) {
        escaped = false;
        inString = false;
        capturing = false;
        if (c == '"') {
            capturing = field == MODEL || field == SERVICE_TIER;
            inString = true;
            state = IN_STRING;
        } else if (c == '{' || c == '[') {
            capturing = c == '{' && (field == USAGE || field == ERROR);
            depth = 1;
            state = IN_NESTED;
        } else {
            state = c == ',' || c == '}' || c == ']' || c == ':' ? DONE : IN_SCALAR;
            capturing = state == IN_SCALAR && field == DURATION;
        }
    }

    private void scalarEnded() {
        byte[] c = captured;
        if (capturing && c != null && field == DURATION) {
            try {
                BigDecimal d = new BigDecimal(new String(c, 0, capturedLength, StandardCharsets.US_ASCII));
                duration = d.signum() >= 0 ? d : null;
            } catch (NumberFormatException e) {
                duration = null;
            }
        }
        capturing = false;
        capturedLength = 0;
    }

    private int value(byte[] b, int i, int to) {
        int end = state == IN_STRING ? skipString(b, i, to) : skipNested(b, i, to);
        capture(b, i, end);
        if (state == IN_STRING ? !inString : depth == 0) {
            valueEnded();
        }
        return end;
    }

    /** Skips string bytes from {@code i} (inside the string); sets {@code inString} false after the closing quote. */
    private int skipString(byte[] b, int i, int to) {
        for (; i < to; i++) {
            byte c = b[i];
            if (itemStringMatched >= 0) {
                matchItemString(c);
            }
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
                return i + 1;
            }
        }
        return i;
    }

    /** Follows a string at item level of {@code output} byte by byte (opening quote already matched). */
    private void matchItemString(byte c) {
        int m = itemStringMatched;
        if (m < WEB_SEARCH_CALL.length && c == WEB_SEARCH_CALL[m] && !escaped) {
            itemStringMatched = m + 1;
            if (m + 1 == WEB_SEARCH_CALL.length) {
                webSearchCalls++;
                itemStringMatched = -1;
            }
        } else {
            itemStringMatched = -1;
        }
    }

    /** Skips the bytes of an object or array from {@code i} until {@code depth} returns to 0. */
    private int skipNested(byte[] b, int i, int to) {
        while (i < to) {
            if (inString) {
                i = skipString(b, i, to);
                continue;
            }
            byte c = b[i++];
            if (c == '"') {
                inString = true;
                if (field == OUTPUT && depth == 2) {
                    itemStringMatched = 1;
                }
            } else if (c == '{' || c == '[') {
                depth++;
                if (c == '{' && depth == 2 && field == DATA) {
                    dataItems++;
                }
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i;
            }
        }
        return i;
    }

    private void capture(byte[] b, int from, int to) {
        if (!capturing || from >= to) {
            return;
        }
        int n = to - from;
        if (capturedLength + n > MAX_CAPTURED_BYTES) {
            capturing = false;
            capturedLength = 0;
            return;
        }
        byte[] c = captured;
        if (capturedLength == 0 && scratch != null) {
            // most values start and end within one read: they are collected in the thread's scratch
            c = captured = scratch;
        } else if (c == null || c.length < capturedLength + n) {
            int size = Math.max(capturedLength + n, c == null ? 256 : 2 * c.length);
            c = captured = c == null ? new byte[size] : Arrays.copyOf(c, size);
        }
        System.arraycopy(b, from, c, capturedLength, n);
        capturedLength += n;
    }

    private void valueEnded() {
        state = AFTER_VALUE;
        if (!capturing) {
            return;
        }
        capturing = false;
        byte[] c = captured;
        if (c == null) {
            return;
        }
        switch (field) {
            case MODEL -> model = string(c, capturedLength);
            case USAGE -> {
                usage = usage(c, capturedLength);
                if (usage == null) {
                    usageSeconds = seconds(c, capturedLength);
                }
            }
            case ERROR -> error = tree(c, capturedLength);
            case SERVICE_TIER -> serviceTier = string(c, capturedLength);
            default -> {
            }
        }
        capturedLength = 0;
    }

    /** The text of a JSON string given with its quotes; Jackson decodes it only when it has escapes. */
    private static @Nullable String string(byte[] c, int length) {
        for (int i = 1; i < length - 1; i++) {
            if (c[i] == '\\') {
                try (JsonParser p = JsonMappers.RESPONSE.createParser(c, 0, length)) {
                    return p.nextToken() == JsonToken.VALUE_STRING ? FieldCap.cap(p.getText()) : null;
                } catch (IOException e) {
                    return null;
                }
            }
        }
        return FieldCap.cap(new String(c, 1, length - 2, StandardCharsets.UTF_8));
    }

    private static @Nullable Usage usage(byte[] c, int length) {
        // the thread's parser for small values: no parser of this answer's own
        SmallValueParser parsers = SmallValueParser.local();
        JsonParser p = parsers.feed(c, 0, length);
        try {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                Usage u = UsageParser.parse(p);
                if (parsers.finish()) {
                    return u;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not a JSON object after all: no usage
        }
        parsers.discard();
        return null;
    }

    /** The non-negative number {@code seconds} of a usage object (read only when it names no token count). */
    private static @Nullable BigDecimal seconds(byte[] c, int length) {
        try (JsonParser p = JsonMappers.RESPONSE.createParser(c, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            BigDecimal seconds = null;
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("seconds") && v.isNumeric()) {
                    BigDecimal s = p.getDecimalValue();
                    seconds = s.signum() >= 0 ? s : null;
                } else {
                    p.skipChildren();
                }
            }
            return seconds;
        } catch (IOException e) {
            return null;
        }
    }

    private static @Nullable JsonNode tree(byte[] c, int length) {
        try {
            return JsonMappers.RESPONSE.readTree(c, 0, length);
        } catch (IOException e) {
            return null;
        }
    }

    private static int field(byte[] key, int length) {
        for (int f = MODEL; f <= DURATION; f++) {
            if (Arrays.equals(key, 0, length, KEYS[f], 0, KEYS[f].length)) {
                return f;
            }
        }
        return OTHER;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

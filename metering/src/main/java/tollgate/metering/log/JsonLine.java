package tollgate.metering.log;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A JSON line written as UTF-8 bytes by hand, for the files tollgate appends on every call (the usage log's lines,
 * {@link UsageRecordJson}; the reservation journal's, {@link ReservationJournal}): no generator and no intermediate
 * {@code String}s. Strings are escaped as JSON requires: {@code "} and {@code \} and the control characters below
 * U+0020 ({@code \b \t \n \f \r} short, the others as {@code \\u00XX}), byte for byte as Jackson's generator
 * escapes them; everything else is written as its UTF-8 bytes, a lone surrogate as {@code ?} (as
 * {@link String#getBytes} does). Not thread-safe: one per thread or per line.
 */
final class JsonLine {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    /** A line being written, one per thread: a line then costs one array (its copy) and no more. */
    private static final ThreadLocal<JsonLine> LOCAL = ThreadLocal.withInitial(JsonLine::new);

    private byte[] b = new byte[1024];
    private int n;

    /** This thread's line, emptied: use it for one line at a time, and take its bytes before the next. */
    static JsonLine local() {
        JsonLine l = LOCAL.get();
        l.n = 0;
        return l;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code before} (a brace or a comma), the quoted name and a colon: a field's fixed start. */
    static byte[] field(String before, String name) {
        return ascii(before + '"' + name + "\":");
    }

    byte[] toBytes() {
        return Arrays.copyOf(b, n);
    }

    boolean isEmpty() {
        return n == 0;
    }

    /** Empties the line (or lines) written so far. */
    void clear() {
        n = 0;
    }

    /** What is written so far, without a copy: valid until the next write or {@link #clear()}. */
    ByteBuffer buffer() {
        return ByteBuffer.wrap(b, 0, n);
    }

    @Override
    public String toString() {
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    private void room(int more) {
        if (n + more > b.length) {
            b = Arrays.copyOf(b, Math.max(b.length * 2, n + more));
        }
    }

    void put(char c) {
        room(1);
        b[n++] = (byte) c;
    }

    void raw(byte[] bytes) {
        room(bytes.length);
        System.arraycopy(bytes, 0, b, n, bytes.length);
        n += bytes.length;
    }

    void bool(boolean v) {
        raw(v ? TRUE : FALSE);
    }

    void number(long v) {
        if (v == Long.MIN_VALUE) {
            raw(ascii(Long.toString(v)));
            return;
        }
        room(20);
        if (v < 0) {
            b[n++] = '-';
            v = -v;
        }
        int start = n;
        do {
            b[n++] = (byte) ('0' + v % 10);
            v /= 10;
        } while (v != 0);
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
    }

    /** Fixed width, zero-padded. */
    private void digits(long v, int width) {
        room(width);
        for (int i = n + width - 1; i >= n; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        n += width;
    }

    /** A decimal as a plain number without trailing zeros (cost and seconds), or null. */
    void decimal(@Nullable BigDecimal v) {
        if (v == null) {
            raw(NULL);
        } else if (v.signum() == 0) {
            put('0');
        } else if (v.scale() >= 0 && v.scale() <= 18 && v.precision() <= 18) {
            // a cost's usual shape (a long's digits at a small scale): its digits written straight from the long
            plainDigits(v.unscaledValue().longValue(), v.scale());
        } else {
            raw(ascii(UsageRecordJson.plainDecimal(v)));
        }
    }

    /** {@code unscaled} × 10^-{@code scale} as {@link UsageRecordJson#plainDecimal} writes it. */
    private void plainDigits(long unscaled, int scale) {
        while (scale > 0 && unscaled % 10 == 0) {
            unscaled /= 10;
            scale--;
        }
        if (unscaled < 0) {
            put('-');
            unscaled = -unscaled;
        }
        if (scale == 0) {
            number(unscaled);
            return;
        }
        long pow = 1;
        for (int i = 0; i < scale; i++) {
            pow *= 10;
        }
        number(unscaled / pow);
        put('.');
        digits(unscaled % pow, scale);
    }

    void ts(Instant ts) {
        put('"');
        tsDigits(ts);
        put('"');
    }

    /** uuuu-MM-dd'T'HH:mm:ss.SSS'Z' from the epoch's days (proleptic Gregorian, as java.time). */
    void tsDigits(Instant ts) {
        long millis = ts.toEpochMilli();
        long days = Math.floorDiv(millis, 86_400_000L);
        long ms = Math.floorMod(millis, 86_400_000L);
        // days to civil date (H. Hinnant's algorithm, the one java.time.LocalDate.ofEpochDay uses in spirit)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            // outside four digits the pattern's rules (sign, width) apply: not a log's clock, but stay exact
            raw(ascii(java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'", java.util.Locale.ROOT)
                    .withZone(java.time.ZoneOffset.UTC).format(ts)));
            return;
        }
        digits(year, 4);
        put('-');
        digits(month, 2);
        put('-');
        digits(day, 2);
        put('T');
        digits(ms / 3_600_000, 2);
        put(':');
        digits(ms / 60_000 % 60, 2);
        put(':');
        digits(ms / 1000 % 60, 2);
        put('.');
        digits(ms % 1000, 3);
        put('Z');
    }

    /** Tags in name order (the log's lines are compared and diffed as text). */
    void tags(Map<String, String> tags) {
        put('{');
        if (tags.size() == 1) {
            Map.Entry<String, String> e = tags.entrySet().iterator().next();
            tag(e.getKey(), e.getValue(), true);
        } else if (!tags.isEmpty()) {
            String[] names = tags.keySet().toArray(new String[0]);
            Arrays.sort(names);
            for (int i = 0; i < names.length; i++) {
                tag(names[i], tags.get(names[i]), i == 0);
            }
        }
        put('}');
    }

    private void tag(String name, @Nullable String value, boolean first) {
        if (!first) {
            put(',');
        }
        string(name);
        put(':');
        string(value);
    }

    void string(@Nullable String s) {
        if (s == null) {
            raw(NULL);
            return;
        }
        int len = s.length();
        room(len + 2);
        b[n++] = '"';
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                room(1);
                b[n++] = (byte) c;
            } else {
                i = special(s, i, c);
            }
        }
        room(1);
        b[n++] = '"';
    }

    /** An escaped or multi-byte character at {@code i}; returns the index of its last char. */
    private int special(String s, int i, char c) {
        room(6);
        if (c == '"' || c == '\\') {
            b[n++] = '\\';
            b[n++] = (byte) c;
        } else if (c < 0x20) {
            b[n++] = '\\';
            switch (c) {
                case '\b' -> b[n++] = 'b';
                case '\t' -> b[n++] = 't';
                case '\n' -> b[n++] = 'n';
                case '\f' -> b[n++] = 'f';
                case '\r' -> b[n++] = 'r';
                default -> {
                    b[n++] = 'u';
                    b[n++] = '0';
                    b[n++] = '0';
                    b[n++] = HEX[c >> 4];
                    b[n++] = HEX[c & 0xF];
                }
            }
        } else {
            n = Utf8.put(s, i, b, n);
            if (Utf8.pairAt(s, i)) {
                return i + 1;
            }
        }
        return i;
    }
}

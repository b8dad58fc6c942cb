package tollgate.metering.log;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;

/**
 * Writes a {@link UsageRecord} as one usage-log line and reads it back, with SPEC 8's field names in SPEC 8's order.
 *
 * <p>The line is written as UTF-8 bytes straight from the record's fields (the log writer's thread does this for
 * every call: no generator, no intermediate {@code String}s). Strings are escaped as JSON requires: {@code "} and
 * {@code \} and the control characters below U+0020 ({@code \b \t \n \f \r} short, the others as
 * {@code \\u00XX}); everything else is written as its UTF-8 bytes, a lone surrogate as {@code ?} (as
 * {@link String#getBytes} does).
 */
public final class UsageRecordJson {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = ascii("null");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
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
    /** A line being written; one per thread, so a line costs one array (its copy) and no more. */
    private static final ThreadLocal<Line> SCRATCH = ThreadLocal.withInitial(Line::new);

    private UsageRecordJson() {
    }

    /** The record as one JSON line, without the line break. */
    public static String toJson(UsageRecord r) {
        return new String(toBytes(r), StandardCharsets.UTF_8);
    }

    /** The record as one JSON line in UTF-8, without the line break. */
    public static byte[] toBytes(UsageRecord r) {
        Line out = SCRATCH.get();
        out.n = 0;
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
        return Arrays.copyOf(out.b, out.n);
    }

    /** SPEC 12's fields, after SPEC 8's. */
    private static void writeUnits(Line out, UsageUnits units) {
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

    /** ISO-8601 UTC with exactly three fraction digits, as in the log's {@code ts}, e.g. 2026-11-22T10:30:45.123Z. */
    public static String formatTs(Instant ts) {
        Line out = new Line();
        out.tsDigits(ts);
        return new String(out.b, 0, out.n, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] field(String before, String name) {
        return ascii(before + '"' + name + "\":");
    }

    /** A growing byte array and the JSON pieces a usage line is made of. */
    private static final class Line {
        byte[] b = new byte[1024];
        int n;

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
            } else {
                // a plain number, never 2.775E-4 and never 0.00027750: scripts compare and sum these as text too
                raw(ascii(v.stripTrailingZeros().toPlainString()));
            }
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
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | c >> 6);
                b[n++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(i + 1));
                b[n++] = (byte) (0xF0 | cp >> 18);
                b[n++] = (byte) (0x80 | cp >> 12 & 0x3F);
                b[n++] = (byte) (0x80 | cp >> 6 & 0x3F);
                b[n++] = (byte) (0x80 | cp & 0x3F);
                return i + 1;
            } else if (Character.isSurrogate(c)) {
                b[n++] = '?';
            } else {
                b[n++] = (byte) (0xE0 | c >> 12);
                b[n++] = (byte) (0x80 | c >> 6 & 0x3F);
                b[n++] = (byte) (0x80 | c & 0x3F);
            }
            return i;
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

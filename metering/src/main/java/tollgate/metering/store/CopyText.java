package tollgate.metering.store;

import java.sql.SQLException;
import java.time.LocalDate;
import org.jspecify.annotations.Nullable;
import org.postgresql.copy.CopyIn;
import tollgate.metering.log.Utf8;

/**
 * Rows for PostgreSQL's {@code COPY … FROM STDIN} in its text format, written into one reused buffer and handed to
 * the copy whenever it holds {@value #FLUSH_AT} bytes or more: fields separated by tabs, a row per line, {@code \N}
 * for null, and in values a backslash, tab, newline or carriage return escaped with a backslash (the format's
 * rules); text as UTF-8, an unpaired surrogate as {@code ?} (what {@link String#getBytes} makes of it), U+0000 as
 * U+FFFD ({@link PostgresStore#storable}).
 */
final class CopyText {
    static final int FLUSH_AT = 1 << 16;
    private static final long MILLIS_PER_DAY = 86_400_000L;

    private byte[] buf;
    private int size;
    private @Nullable CopyIn out;
    private boolean firstField = true;

    CopyText() {
        this(FLUSH_AT + 1024);
    }

    private CopyText(int capacity) {
        buf = new byte[capacity];
    }

    /** Starts writing to {@code copy}. */
    void start(CopyIn copy) {
        out = copy;
        size = 0;
        firstField = true;
    }

    /** Hands the rest to the copy. */
    void finish() throws SQLException {
        flush();
        out = null;
    }

    /** Ends a row; hands the buffer over once it is full enough. */
    void endRow() throws SQLException {
        put((byte) '\n');
        firstField = true;
        if (size >= FLUSH_AT) {
            flush();
        }
    }

    private void flush() throws SQLException {
        if (size > 0 && out != null) {
            out.writeToCopy(buf, 0, size);
        }
        size = 0;
        if (buf.length > 4 * FLUSH_AT) {
            // a row of a huge value grew it: kept bounded between batches
            buf = new byte[FLUSH_AT + 1024];
        }
    }

    private void field() {
        if (!firstField) {
            put((byte) '\t');
        }
        firstField = false;
    }

    void nullField() {
        field();
        ensure(2);
        buf[size++] = '\\';
        buf[size++] = 'N';
    }

    void bool(boolean v) {
        field();
        put((byte) (v ? 't' : 'f'));
    }

    void number(long v) {
        field();
        digits(v);
    }

    /** A string, escaped; null as {@code \N}. */
    void text(@Nullable String s) {
        if (s == null) {
            nullField();
            return;
        }
        field();
        int n = s.length();
        // at most 3 bytes per char (a pair of surrogates: 4 bytes for 2 chars), or 2 for an escape
        ensure(Utf8.MAX_BYTES_PER_CHAR * n);
        byte[] b = buf;
        int p = size;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                switch (c) {
                    case '\\' -> {
                        b[p++] = '\\';
                        b[p++] = '\\';
                    }
                    case '\t' -> {
                        b[p++] = '\\';
                        b[p++] = 't';
                    }
                    case '\n' -> {
                        b[p++] = '\\';
                        b[p++] = 'n';
                    }
                    case '\r' -> {
                        b[p++] = '\\';
                        b[p++] = 'r';
                    }
                    case '\0' -> {
                        // U+FFFD: PostgreSQL's text cannot hold U+0000 (PostgresStore.storable)
                        b[p++] = (byte) 0xef;
                        b[p++] = (byte) 0xbf;
                        b[p++] = (byte) 0xbd;
                    }
                    default -> b[p++] = (byte) c;
                }
            } else {
                p = Utf8.put(s, i, b, p);
                if (Utf8.pairAt(s, i)) {
                    i++;
                }
            }
        }
        size = p;
    }

    /** A field already in the format (a replica's name, escaped once per batch by {@link #escape}). */
    void raw(byte[] field) {
        field();
        ensure(field.length);
        System.arraycopy(field, 0, buf, size, field.length);
        size += field.length;
    }

    /** {@code s} as a field of this format, for {@link #raw}. */
    static byte[] escape(String s) {
        // a buffer of the name's size, not a copy's: this runs once per batch
        CopyText t = new CopyText(3 * s.length() + 2);
        t.text(s);
        return java.util.Arrays.copyOf(t.buf, t.size);
    }

    /** A {@code date}: {@code YYYY-MM-DD} (years 1 to 9999, as the day partitions' names and bounds). */
    void date(long epochDay) {
        field();
        date(LocalDate.ofEpochDay(epochDay));
    }

    /** A {@code timestamptz} in UTC to the millisecond: {@code YYYY-MM-DD HH:MM:SS.mmm+00}. */
    void timestamp(long epochMillis) {
        field();
        long day = Math.floorDiv(epochMillis, MILLIS_PER_DAY);
        int ms = (int) Math.floorMod(epochMillis, MILLIS_PER_DAY);
        date(LocalDate.ofEpochDay(day));
        put((byte) ' ');
        pad(ms / 3_600_000, 2);
        put((byte) ':');
        pad(ms / 60_000 % 60, 2);
        put((byte) ':');
        pad(ms / 1000 % 60, 2);
        put((byte) '.');
        pad(ms % 1000, 3);
        put((byte) '+');
        put((byte) '0');
        put((byte) '0');
    }

    private void date(LocalDate d) {
        pad(d.getYear(), 4);
        put((byte) '-');
        pad(d.getMonthValue(), 2);
        put((byte) '-');
        pad(d.getDayOfMonth(), 2);
    }

    /** A non-negative number in at least {@code width} digits. */
    private void pad(int v, int width) {
        int len = 1;
        for (int x = v / 10; x > 0; x /= 10) {
            len++;
        }
        for (int i = len; i < width; i++) {
            put((byte) '0');
        }
        digits(v);
    }

    private void digits(long v) {
        ensure(20);
        if (v == Long.MIN_VALUE) {
            byte[] min = Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(min, 0, buf, size, min.length);
            size += min.length;
            return;
        }
        if (v < 0) {
            buf[size++] = '-';
            v = -v;
        }
        int len = 1;
        for (long x = v / 10; x > 0; x /= 10) {
            len++;
        }
        int end = size + len;
        for (int p = end - 1; p >= size; p--) {
            buf[p] = (byte) ('0' + v % 10);
            v /= 10;
        }
        size = end;
    }

    private void put(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}

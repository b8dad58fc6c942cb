package tollgate.metering.log;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A record the usage-log writer has just written, with its line as written (without the line break): kept as the
 * UTF-8 bytes that went to the file, turned into a {@code String} only when someone reads it (the live stream,
 * {@code /admin/usage/recent}), not for each of the calls nobody looks at.
 */
public final class WrittenRecord {
    private final UsageRecord record;
    private final byte[] utf8;
    private final @Nullable LocalDate day;
    private final long offset;
    private volatile @Nullable String line;

    /** @param utf8 the line's bytes; not copied, so never changed after */
    public WrittenRecord(UsageRecord record, byte[] utf8) {
        this(record, utf8, null, -1);
    }

    /**
     * @param day the day file the line went to
     * @param offset the byte offset its line starts at in that file
     */
    public WrittenRecord(UsageRecord record, byte[] utf8, @Nullable LocalDate day, long offset) {
        this.record = Objects.requireNonNull(record, "record");
        this.utf8 = Objects.requireNonNull(utf8, "utf8");
        this.day = day;
        this.offset = day == null ? -1 : offset;
    }

    public WrittenRecord(UsageRecord record, String line) {
        this(record, line.getBytes(StandardCharsets.UTF_8));
        this.line = line;
    }

    public UsageRecord record() {
        return record;
    }

    /** The day file the line went to; null when not known (a record not from the writer). */
    public @Nullable LocalDate day() {
        return day;
    }

    /** Where the line starts in {@link #day()}'s file; -1 when not known. */
    public long offset() {
        return offset;
    }

    /** The line's length in bytes, without its line break. */
    public int lineBytes() {
        return utf8.length;
    }

    /** The JSON line, e.g. the {@code data:} of the admin live stream. */
    public String line() {
        String l = line;
        if (l == null) {
            l = new String(utf8, StandardCharsets.UTF_8);
            line = l;
        }
        return l;
    }
}

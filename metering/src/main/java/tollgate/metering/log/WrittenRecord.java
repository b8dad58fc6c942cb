package tollgate.metering.log;

import java.nio.charset.StandardCharsets;
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
    private volatile @Nullable String line;

    /** @param utf8 the line's bytes; not copied, so never changed after */
    public WrittenRecord(UsageRecord record, byte[] utf8) {
        this.record = Objects.requireNonNull(record, "record");
        this.utf8 = Objects.requireNonNull(utf8, "utf8");
    }

    public WrittenRecord(UsageRecord record, String line) {
        this(record, line.getBytes(StandardCharsets.UTF_8));
        this.line = line;
    }

    public UsageRecord record() {
        return record;
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

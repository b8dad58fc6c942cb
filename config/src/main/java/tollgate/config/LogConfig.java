package tollgate.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The JSONL usage log: folder, durability, the writer's bounded queue and retention.
 *
 * @param compressAfterDays gzip a day's file once the day is this many days old (1: yesterday's, after midnight);
 *                          0 keeps days uncompressed
 * @param retainDays delete the files of days this many days old or older; 0 keeps every day
 * @param store {@code log.store}: the PostgreSQL database the log is shipped to, or null (issue 20)
 */
public record LogConfig(Path dir, FsyncMode fsync, int queueCapacity, int compressAfterDays, int retainDays,
                        @Nullable StoreConfig store) {
    public static final Path DEFAULT_DIR = Path.of("./logs");

    public LogConfig {
        if (queueCapacity < 16) {
            throw new IllegalArgumentException("log.queue_capacity: " + queueCapacity + " (expected: >= 16)");
        }
        if (compressAfterDays < 0) {
            throw new IllegalArgumentException("log.compress_after_days: " + compressAfterDays
                    + " (expected: >= 1, or 0 to keep days uncompressed)");
        }
        if (retainDays < 0) {
            throw new IllegalArgumentException("log.retain_days: " + retainDays + " (expected: >= 1, or 0 to keep every day)");
        }
        if (retainDays > 0 && compressAfterDays >= retainDays) {
            throw new IllegalArgumentException("log.compress_after_days: " + compressAfterDays
                    + " (expected: less than log.retain_days " + retainDays + ", or 0)");
        }
    }

    /** Without a store. */
    public LogConfig(Path dir, FsyncMode fsync, int queueCapacity, int compressAfterDays, int retainDays) {
        this(dir, fsync, queueCapacity, compressAfterDays, retainDays, null);
    }

    /** Without retention: every day kept, uncompressed. */
    public LogConfig(Path dir, FsyncMode fsync, int queueCapacity) {
        this(dir, fsync, queueCapacity, 0, 0);
    }

    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_DIR, FsyncMode.BATCH, 65_536);
    }

    /** Whether a retention job has anything to do. */
    public boolean retains() {
        return compressAfterDays > 0 || retainDays > 0;
    }
}

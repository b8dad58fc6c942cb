package tollgate.config;

import java.nio.file.Path;

/** The JSONL usage log: folder, durability and the writer's bounded queue. */
public record LogConfig(Path dir, FsyncMode fsync, int queueCapacity) {
    public static final Path DEFAULT_DIR = Path.of("./logs");

    public LogConfig {
        if (queueCapacity < 16) {
            throw new IllegalArgumentException("log.queue_capacity: " + queueCapacity + " (expected: >= 16)");
        }
    }

    public static LogConfig defaults() {
        return new LogConfig(DEFAULT_DIR, FsyncMode.BATCH, 65_536);
    }
}

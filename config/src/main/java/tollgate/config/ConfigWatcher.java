package tollgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Notices when the config file changes (modification time or size), polling on its own daemon thread: a
 * WatchService misses edits through symlinks such as Kubernetes ConfigMap mounts, polling does not.
 */
public final class ConfigWatcher implements AutoCloseable {
    private final Path file;
    private final Runnable onChange;
    private final ScheduledExecutorService timer;
    private final ScheduledFuture<?> task;
    private @Nullable FileTime lastModified;
    private long lastSize;

    public ConfigWatcher(Path file, Duration interval, Runnable onChange) {
        this.file = file;
        this.onChange = onChange;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-config-watcher");
            t.setDaemon(true);
            return t;
        });
        snapshot();
        this.task = timer.scheduleWithFixedDelay(this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private boolean snapshot() {
        FileTime m;
        long size;
        try {
            Path real = file.toRealPath();
            m = Files.getLastModifiedTime(real);
            size = Files.size(real);
        } catch (IOException e) {
            m = null;
            size = -1;
        }
        boolean changed = lastModified == null ? m != null : !lastModified.equals(m) || size != lastSize;
        lastModified = m;
        lastSize = size;
        return changed;
    }

    private void poll() {
        try {
            if (snapshot() && lastModified != null) {
                onChange.run();
            }
        } catch (RuntimeException e) {
            // the callback logs its own failures; the watcher keeps watching
        }
    }

    @Override
    public void close() {
        task.cancel(false);
        timer.shutdownNow();
    }
}

package tollgate.metering.call;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.metering.log.AtomicFiles;

/**
 * How far each Batch API output file has been metered, so a file downloaded twice bills its results once, as OpenAI
 * bills them once (SPEC 12): a file's content never changes, so its results come in one order every time and "the
 * first n results are metered" says it all. Kept in memory (at most {@value #MAX_FILES} files, the most recently
 * metered) and under {@code <log dir>/batch-downloads/<file id>} (the count, written off the event loops once the
 * results' records are in the log), so a restart does not bill a re-download either. Per replica: a file downloaded
 * through two replicas is billed by each.
 */
public final class BatchDownloads {
    private static final Logger log = LoggerFactory.getLogger(BatchDownloads.class);
    static final int MAX_FILES = 10_000;
    static final String DIR = "batch-downloads";
    /** OpenAI's file ids ({@code file-abc123}); anything else is kept in memory only, never a file name. */
    private static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final @Nullable Path dir;
    private final Cache<String, AtomicLong> metered = Caffeine.newBuilder().maximumSize(MAX_FILES).build();
    /** Files whose count grew since the last {@link #persist}. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();

    private BatchDownloads(@Nullable Path dir) {
        this.dir = dir;
    }

    /** Nothing remembered across restarts (tests, a log without a folder). */
    public static BatchDownloads inMemory() {
        return new BatchDownloads(null);
    }

    /** Reads what earlier runs metered (the newest {@value #MAX_FILES} files); blocking: at start-up. */
    public static BatchDownloads load(Path logDir) {
        Path dir = logDir.resolve(DIR);
        BatchDownloads d = new BatchDownloads(dir);
        if (!Files.isDirectory(dir)) {
            return d;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(files::add);
        } catch (IOException e) {
            log.warn("batch downloads: cannot list {} ({}); re-downloads of earlier output files are billed again",
                    dir, e.toString());
            return d;
        }
        files.sort(Comparator.comparing(BatchDownloads::modified).reversed());
        for (Path f : files.subList(0, Math.min(files.size(), MAX_FILES))) {
            String id = f.getFileName().toString();
            if (!FILE_ID.matcher(id).matches()) {
                continue;
            }
            try {
                long n = Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII).trim());
                if (n > 0) {
                    d.metered.put(id, new AtomicLong(n));
                }
            } catch (IOException | NumberFormatException e) {
                log.warn("batch downloads: {} unreadable ({}); skipped", f, e.toString());
            }
        }
        return d;
    }

    /**
     * True when the {@code index}-th result (from 0) of {@code fileId} has not been metered before, which it now is;
     * false for a result an earlier download metered. Lock-free: safe on an event loop.
     */
    public boolean firstTime(String fileId, long index) {
        AtomicLong count = metered.get(fileId, id -> new AtomicLong());
        while (true) {
            long n = count.get();
            if (index < n) {
                return false;
            }
            if (count.compareAndSet(n, index + 1)) {
                dirty.add(fileId);
                return true;
            }
        }
    }

    /** Results of {@code fileId} metered so far (0 for a file never metered). */
    public long metered(String fileId) {
        AtomicLong count = metered.getIfPresent(fileId);
        return count == null ? 0 : count.get();
    }

    /**
     * Writes the count of each file that grew (blocking file I/O: never on an event loop); call once the results
     * counted so far have their records in the log, so a crash can at worst bill a result twice, never lose one.
     */
    public void persist() {
        for (Iterator<String> it = dirty.iterator(); it.hasNext(); ) {
            String id = it.next();
            it.remove();
            AtomicLong n = metered.getIfPresent(id);
            if (dir != null && n != null) {
                write(id, n.get());
            }
        }
    }

    private void write(String id, long n) {
        if (!FILE_ID.matcher(id).matches()) {
            return;
        }
        Path target = dir.resolve(id);
        try {
            if (Files.isRegularFile(target)
                    && Long.parseLong(Files.readString(target, StandardCharsets.US_ASCII).trim()) >= n) {
                return;
            }
            Files.createDirectories(dir);
            AtomicFiles.replace(target, Long.toString(n).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | NumberFormatException e) {
            log.warn("batch downloads: cannot record {} results of a file ({}); a restart bills a re-download again",
                    n, e.toString());
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}

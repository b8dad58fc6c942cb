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
import java.util.Map;
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
 * first n results are metered" says it all. Kept in memory (at most {@value #MAX_FILES} files, those the cache finds
 * most used) and under {@code <log dir>/batch-downloads/<file id>} (the count, written off the event loops once the
 * results' records are in the log), so a restart does not bill a re-download either. Per replica: a file downloaded
 * through two replicas is billed by each.
 *
 * <p>A download is {@link #begin begun} off the event loops before it is forwarded: a file not in memory (never
 * metered here, evicted, or from before a restart past the newest {@value #MAX_FILES}) has its count read from its
 * file then, and that counter is the one the download meters against until it {@link #end ends}, whatever the cache
 * evicts meanwhile.
 */
public final class BatchDownloads {
    private static final Logger log = LoggerFactory.getLogger(BatchDownloads.class);
    static final int MAX_FILES = 10_000;
    static final String DIR = "batch-downloads";
    /** OpenAI's file ids ({@code file-abc123}); anything else is kept in memory only, never a file name. */
    private static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final @Nullable Path dir;
    private final Cache<String, AtomicLong> metered = Caffeine.newBuilder().maximumSize(MAX_FILES).build();
    /** The counters of files being downloaded now (and of begun downloads), by id: not evicted while in use. */
    private final ConcurrentHashMap<String, Active> active = new ConcurrentHashMap<>();
    /** Files whose count grew since the last {@link #persist}, with their counters. */
    private final ConcurrentHashMap<String, AtomicLong> dirty = new ConcurrentHashMap<>();

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
                long n = readCount(f);
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
     * A download of {@code fileId} is about to be forwarded: its count is made ready in memory, read from its file when
     * not there (blocking file I/O: never on an event loop; call begin and {@link #end} from one thread). Each begin
     * is followed by one {@link #end}.
     */
    public void begin(String fileId) {
        Active a = active.get(fileId);
        if (a == null) {
            AtomicLong count = metered.getIfPresent(fileId);
            if (count == null) {
                count = new AtomicLong(stored(fileId));
                metered.put(fileId, count);
            }
            a = new Active(count);
            active.put(fileId, a);
        }
        a.downloads++;
    }

    /**
     * A download of {@code fileId} ended and its results' records are in the log: the counts that grew are written,
     * and the file's counter is let go to the cache once no download of it is left. On {@link #begin}'s thread.
     */
    public void end(String fileId) {
        persist();
        Active a = active.get(fileId);
        if (a != null && --a.downloads <= 0) {
            active.remove(fileId);
        }
    }

    /**
     * True when the {@code index}-th result (from 0) of {@code fileId} has not been metered before, which it now is;
     * false for a result an earlier download metered. Lock-free: safe on an event loop.
     */
    public boolean firstTime(String fileId, long index) {
        AtomicLong count = counter(fileId);
        while (true) {
            long n = count.get();
            if (index < n) {
                return false;
            }
            if (count.compareAndSet(n, index + 1)) {
                dirty.put(fileId, count);
                return true;
            }
        }
    }

    /** Results of {@code fileId} metered so far (0 for a file never metered, or not in memory now). */
    public long metered(String fileId) {
        Active a = active.get(fileId);
        AtomicLong count = a != null ? a.count : metered.getIfPresent(fileId);
        return count == null ? 0 : count.get();
    }

    /** A begun download's counter; else the cache's (a download that was not begun: tests, tools). */
    private AtomicLong counter(String fileId) {
        Active a = active.get(fileId);
        return a != null ? a.count : metered.get(fileId, id -> new AtomicLong());
    }

    /**
     * Writes the count of each file that grew (blocking file I/O: never on an event loop); call once the results
     * counted so far have their records in the log, so a crash can at worst bill a result twice, never lose one.
     */
    public void persist() {
        for (Iterator<Map.Entry<String, AtomicLong>> it = dirty.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, AtomicLong> e = it.next();
            it.remove();
            if (dir != null) {
                write(e.getKey(), e.getValue().get());
            }
        }
    }

    /** The count stored for {@code id} by an earlier persist, 0 when none (or unreadable: logged). */
    private long stored(String id) {
        if (dir == null || !FILE_ID.matcher(id).matches()) {
            return 0;
        }
        Path f = dir.resolve(id);
        try {
            return Files.isRegularFile(f) ? readCount(f) : 0;
        } catch (IOException | NumberFormatException e) {
            log.warn("batch downloads: {} unreadable ({}); its results are metered from the start", f, e.toString());
            return 0;
        }
    }

    /** A count file's number ({@link NumberFormatException} when it holds none). */
    private static long readCount(Path f) throws IOException {
        return Long.parseLong(Files.readString(f, StandardCharsets.US_ASCII).trim());
    }

    /** A file's counter while downloads of it are in progress; {@code downloads} is touched on begin's thread only. */
    private static final class Active {
        final AtomicLong count;
        int downloads;

        Active(AtomicLong count) {
            this.count = count;
        }
    }

    private void write(String id, long n) {
        if (!FILE_ID.matcher(id).matches()) {
            return;
        }
        Path target = dir.resolve(id);
        try {
            if (Files.isRegularFile(target)
                    && readCount(target) >= n) {
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

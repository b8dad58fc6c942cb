package tollgate.metering.log;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.LogConfig;
import tollgate.metering.log.UsageLogFiles.DayFile;

/**
 * Log retention ({@code log.compress_after_days}, {@code log.retain_days}): gzips closed days and deletes old ones.
 * Run it on a thread of its own, never on the writer's or an event loop: a day's file can be large.
 *
 * <p>A day is compressed to {@code usage-DAY.jsonl.gz} (or {@code usage-DAY.N.jsonl.gz} when that name is taken)
 * through a temporary file moved into place, then the plain file is deleted; every reader reads {@code .gz} days
 * as plain ones ({@link UsageLogReader}). A file written to in the last {@link #QUIET} is left for the next run:
 * a call that ended just after midnight may still be appended to the day before.
 */
public final class UsageLogRetention {
    private static final Logger log = LoggerFactory.getLogger(UsageLogRetention.class);
    /** How long a file must have gone unwritten before it is compressed. */
    static final Duration QUIET = Duration.ofMinutes(10);

    private final Path dir;
    private final LogConfig config;
    private final Supplier<LocalDate> unshippedFrom;

    /** What one run did. */
    public record Result(int compressed, int deleted, int failed) {
    }

    public UsageLogRetention(LogConfig config) {
        this(config, () -> LocalDate.MAX);
    }

    /**
     * @param unshippedFrom the first day {@code log.store} does not hold whole yet: retention deletes no day from it
     *                      on, however old (the log is the store's spool: a long outage must not lose its records)
     */
    public UsageLogRetention(LogConfig config, Supplier<LocalDate> unshippedFrom) {
        this.dir = config.dir();
        this.config = config;
        this.unshippedFrom = unshippedFrom;
    }

    /** Compresses and deletes what is due at {@code now} (UTC dates); a file that fails is logged and left. */
    public Result run(Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        int compressed = 0;
        int deleted = 0;
        int failed = 0;
        int kept = 0;
        LocalDate keepFrom = unshippedFrom.get();
        java.util.List<DayFile> files;
        try {
            files = UsageLogFiles.list(dir, LocalDate.MIN, today.minusDays(1));
        } catch (IOException e) {
            log.warn("usage log retention: cannot list {}: {}", dir, e.toString());
            return new Result(0, 0, 1);
        }
        for (DayFile f : files) {
            try {
                boolean expired = config.retainDays() > 0 && !f.date().isAfter(today.minusDays(config.retainDays()));
                if (expired && f.date().isBefore(keepFrom)) {
                    Files.deleteIfExists(f.path());
                    deleted++;
                } else if (expired) {
                    kept++;
                } else if (config.compressAfterDays() > 0 && !f.gzip()
                        && !f.date().isAfter(today.minusDays(config.compressAfterDays()))
                        && Files.getLastModifiedTime(f.path()).toInstant().isBefore(now.minus(QUIET))) {
                    compress(f);
                    compressed++;
                }
            } catch (NoSuchFileException e) {
                // gone since the listing: another run, or an operator
            } catch (IOException e) {
                failed++;
                log.warn("usage log retention: {}: {}", f.path(), e.toString());
            }
        }
        if (kept > 0) {
            log.warn("usage log retention: {} day files past log.retain_days kept: log.store does not hold them yet",
                    kept);
        }
        if (compressed + deleted + failed > 0) {
            log.info("usage log retention: {} day files compressed, {} deleted, {} failed", compressed, deleted, failed);
        }
        return new Result(compressed, deleted, failed);
    }

    /**
     * Gzips a closed day file beside it and deletes it. The archive is forced before the day file goes, so a power
     * loss cannot leave neither whole; a day file whose archive is already there (a crash between the two) is only
     * deleted, so its records are not archived, and counted, twice. A day with more than one plain file (lines written
     * after the day was archived) gets {@code usage-DAY.N.jsonl.gz} for the next.
     */
    private void compress(DayFile f) throws IOException {
        Path target = dir.resolve("usage-" + f.date() + ".jsonl.gz");
        for (int n = 1; Files.exists(target); n++) {
            if (sameContent(target, f.path())) {
                Files.delete(f.path());
                return;
            }
            target = dir.resolve("usage-" + f.date() + "." + n + ".jsonl.gz");
        }
        // a name no reader lists until it is whole
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try (InputStream in = Files.newInputStream(f.path());
             OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            in.transferTo(out);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        Files.delete(f.path());
    }

    /** True when {@code gz} holds exactly {@code plain}'s bytes (false for an archive that cannot be read). */
    private static boolean sameContent(Path gz, Path plain) throws IOException {
        if (Files.size(plain) == 0) {
            return false;
        }
        try (InputStream a = new GZIPInputStream(Files.newInputStream(gz), 1 << 16);
             InputStream b = new BufferedInputStream(Files.newInputStream(plain), 1 << 16)) {
            byte[] x = new byte[1 << 16];
            byte[] y = new byte[1 << 16];
            while (true) {
                int n = a.readNBytes(x, 0, x.length);
                int m = b.readNBytes(y, 0, y.length);
                if (n != m || !Arrays.equals(x, 0, n, y, 0, m)) {
                    return false;
                }
                if (n < x.length) {
                    return true;
                }
            }
        } catch (ZipException | EOFException unreadable) {
            return false;
        }
    }
}

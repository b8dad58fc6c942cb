package tollgate.metering.log;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Follows one day of the usage log from a byte offset, for the database shipper: the writer's own file
 * ({@code usage-DAY.jsonl}, read while it grows), else its gzipped copy ({@code .jsonl.gz}, once retention compressed
 * the day; offsets count the uncompressed bytes, so a checkpoint taken on the plain file holds on its copy). Only
 * complete lines (ended by {@code \n}) are handed out, each through the one {@link UsageLineParser}; a line that
 * breaks a rule, or is over 16 MiB, is skipped and counted. Streams through a bounded buffer: a day is never held
 * whole. Blocking file I/O, for the shipper's own thread.
 */
public final class UsageLogTail implements Closeable {
    private static final int BUFFER_BYTES = 1 << 16;
    /** The readers' one limit: a longer line is skipped as malformed, here as in {@link UsageLogReader}. */
    private static final int MAX_LINE_BYTES = UsageLogReader.MAX_LINE_BYTES;

    private final LocalDate day;
    private final InputStream in;
    private final UsageLineParser parser = new UsageLineParser(UsageLine.Fields.ALL);
    private byte[] buf = new byte[BUFFER_BYTES];
    private int start;
    private int end;
    /** The file offset of {@code buf[start]}: just past the last line handed out or skipped. */
    private long offset;
    /** The file offset of the first byte of the last line handed out. */
    private long lineOffset;
    private boolean skipping;
    private long malformed;

    private UsageLogTail(LocalDate day, InputStream in, long offset) {
        this.day = day;
        this.in = in;
        this.offset = offset;
    }

    /** The day's file from {@code offset}, or null when the day has neither a plain nor a gzipped file. */
    public static @Nullable UsageLogTail open(Path dir, LocalDate day, long offset) throws IOException {
        Path plain = dir.resolve(UsageLogFiles.fileName(day));
        try {
            FileChannel ch = FileChannel.open(plain, StandardOpenOption.READ);
            ch.position(offset);
            return new UsageLogTail(day, Channels.newInputStream(ch), offset);
        } catch (java.nio.file.NoSuchFileException e) {
            // compressed by retention (or never written): its gzipped copy
        }
        Path gz = dir.resolve(UsageLogFiles.fileName(day) + ".gz");
        if (!Files.exists(gz)) {
            return null;
        }
        InputStream raw = Files.newInputStream(gz);
        try {
            GZIPInputStream in = new GZIPInputStream(raw, BUFFER_BYTES);
            long skipped = 0;
            while (skipped < offset) {
                long n = in.skip(offset - skipped);
                if (n <= 0) {
                    break;
                }
                skipped += n;
            }
            return new UsageLogTail(day, in, skipped);
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    public LocalDate day() {
        return day;
    }

    /** The byte offset just past the last complete line handed out or skipped: where a later read resumes. */
    public long offset() {
        return offset;
    }

    /**
     * Where the last line {@link #next} handed out starts in the day's file (uncompressed bytes): its place in the
     * spool, the same on every read of the file.
     */
    public long lineOffset() {
        return lineOffset;
    }

    /** Lines skipped for breaking a rule of the log so far. */
    public long malformed() {
        return malformed;
    }

    /**
     * The next good complete line, or null when none is there yet (the end of what the writer wrote so far, or a
     * partial last line); the line is valid until the next call.
     */
    public @Nullable UsageLine next() throws IOException {
        while (true) {
            for (int i = start; i < end; i++) {
                if (buf[i] != '\n') {
                    continue;
                }
                int lineStart = start;
                boolean wasSkipping = skipping;
                skipping = false;
                lineOffset = offset;
                offset += i + 1 - start;
                start = i + 1;
                if (wasSkipping) {
                    continue;
                }
                int len = i - lineStart;
                if (len > 0 && buf[i - 1] == '\r') {
                    len--;
                }
                if (LineSplitter.blank(buf, lineStart, len)) {
                    continue;
                }
                if (parser.parse(buf, lineStart, len)) {
                    return parser.line();
                }
                malformed++;
            }
            if (!fill()) {
                return null;
            }
        }
    }

    /** Reads more after the unfinished line; false when nothing more is there now. */
    private boolean fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) {
            if (buf.length < MAX_LINE_BYTES) {
                buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_LINE_BYTES));
            } else {
                // an over-long line: dropped up to its end, counted once
                if (!skipping) {
                    malformed++;
                }
                skipping = true;
                offset += end;
                end = 0;
            }
        }
        int n = in.read(buf, end, buf.length - end);
        if (n <= 0) {
            return false;
        }
        end += n;
        return true;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}

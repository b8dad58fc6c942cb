package tollgate.metering.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDate;
import org.jspecify.annotations.Nullable;

/**
 * The open day file of the usage log, {@code <dir>/usage-YYYY-MM-DD.jsonl}; used by the writer thread only.
 */
final class UsageLogFile implements AutoCloseable {
    private static final ByteBuffer NEWLINE = ByteBuffer.wrap(new byte[] {'\n'}).asReadOnlyBuffer();

    private final Path dir;
    private final boolean forceBeforeSwitch;
    private @Nullable FileChannel channel;
    private @Nullable LocalDate date;
    /** The open file's length: where the next write starts (this writer is the file's only one). */
    private long size;
    private boolean dirty;
    private volatile long forces; // read by tests on other threads

    /**
     * @param forceBeforeSwitch force a day's file before closing it for the next day (false for {@code fsync: never})
     */
    UsageLogFile(Path dir, boolean forceBeforeSwitch) {
        this.dir = dir;
        this.forceBeforeSwitch = forceBeforeSwitch;
    }

    static String fileName(LocalDate date) {
        return UsageLogFiles.fileName(date);
    }

    /**
     * Appends whole lines to the file of {@code day}, opening (and creating the folder) or switching files as needed.
     *
     * @return the byte offset in that file where the lines start
     */
    long write(LocalDate day, ByteBuffer lines) throws IOException {
        FileChannel ch = open(day);
        long start = size;
        while (lines.hasRemaining()) {
            size += ch.write(lines);
        }
        dirty = true;
        return start;
    }

    /** Forces written bytes to disk when there are any; true when it forced. */
    boolean force() throws IOException {
        FileChannel ch = channel;
        if (ch == null || !dirty) {
            return false;
        }
        ch.force(false);
        dirty = false;
        forces++;
        return true;
    }

    boolean dirty() {
        return dirty;
    }

    long forces() {
        return forces;
    }

    @Nullable Path path() {
        return date == null ? null : dir.resolve(fileName(date));
    }

    /** Drops the channel without forcing, after a failure: the next write reopens the file (and the folder). */
    void abandon() {
        FileChannel ch = channel;
        channel = null;
        date = null;
        dirty = false;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the failure that made us abandon it is already logged and counted
            }
        }
    }

    @Override
    public void close() throws IOException {
        FileChannel ch = channel;
        if (ch != null) {
            channel = null;
            date = null;
            dirty = false;
            ch.close();
        }
    }

    private FileChannel open(LocalDate day) throws IOException {
        FileChannel ch = channel;
        if (ch != null && day.equals(date)) {
            return ch;
        }
        if (ch != null) {
            if (forceBeforeSwitch) {
                force();
            }
            close();
        }
        Files.createDirectories(dir);
        Path path = dir.resolve(fileName(day));
        endPartialLine(path);
        ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = ch.size();
        channel = ch;
        date = day;
        return ch;
    }

    // A crash or a full disk can leave half a line at the end; ending it keeps the next record on a line of its own
    // (the reader then skips just the broken one).
    private static void endPartialLine(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return;
        }
        // a channel cannot both read and append (FileChannel.open), so the last byte is read with a reading one
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer last = ByteBuffer.allocate(1);
            if (size > 0 && ch.read(last, size - 1) == 1 && last.get(0) != '\n') {
                ByteBuffer nl = NEWLINE.duplicate();
                while (nl.hasRemaining()) {
                    ch.write(nl, size + nl.position());
                }
            }
        }
    }
}

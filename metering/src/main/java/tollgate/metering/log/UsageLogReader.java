package tollgate.metering.log;

import java.io.BufferedInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Predicate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.metering.log.UsageLogFiles.DayFile;

/**
 * The one reader of the usage log: {@code stats}, the in-memory report aggregates and the budget rebuild all
 * read through it, so a line counts the same everywhere.
 *
 * <pre>
 *   dir ─ UsageLogFiles (days from..to, .jsonl / .jsonl.gz / rotated) ─ gunzip ─ LineSplitter (bytes, no decoding)
 *       ─ UsageLineParser (the line rules) ─ UsageLine ─▶ the caller's callback
 * </pre>
 *
 * <p>Files stream through a 64 KiB buffer; no file is held in memory, and a line over 16 MiB is skipped. A line
 * that breaks a rule of {@link UsageLineParser} is skipped and counted, never fatal; blank lines are neither. A
 * file that fails part way (a truncated {@code .gz}) keeps the lines read before the damage, and the damaged rest
 * counts as one skipped line. The callback gets one reused {@link UsageLine} per file, valid only during the call.
 *
 * <p>{@link #newest} reads the other way, for the latest calls: from the end of the newest files backwards, through
 * the same parser and line rules, so its cost is the tail's, not the log's.
 *
 * <p>Blocking file I/O: call it at start-up, from the {@code stats} command or from an executor, never from an
 * event loop.
 */
public final class UsageLogReader {
    private static final Logger log = LoggerFactory.getLogger(UsageLogReader.class);
    private static final int BUFFER_BYTES = 1 << 16;
    static final int MAX_LINE_BYTES = 16 << 20;

    private final Path dir;
    private final int threads;
    private final UsageLine.Fields fields;

    /** Reads {@code dir} one file at a time, keeping every field. */
    public UsageLogReader(Path dir) {
        this(dir, 1, UsageLine.Fields.ALL);
    }

    private UsageLogReader(Path dir, int threads, UsageLine.Fields fields) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.dir = dir;
        this.threads = threads;
        this.fields = fields;
    }

    /** This reader with {@link #readEachFile} reading up to {@code n} files at once. */
    public UsageLogReader threads(int n) {
        return new UsageLogReader(dir, n, fields);
    }

    /** This reader materializing only {@code kept} of the optional text fields. */
    public UsageLogReader fields(UsageLine.Fields kept) {
        return new UsageLogReader(dir, threads, kept);
    }

    public Path dir() {
        return dir;
    }

    /**
     * What one read found.
     *
     * @param records lines handed to the callback
     * @param malformedLines lines skipped for breaking a rule (over-long lines and the damaged rest of a file
     *                       included)
     * @param unreadableFiles files that failed part way
     * @param malformedByDay {@code malformedLines} by the date in the file's name
     */
    public record Summary(int files, long records, long malformedLines, int unreadableFiles,
                          Map<LocalDate, Long> malformedByDay) {
        public Summary {
            malformedByDay = Collections.unmodifiableMap(new TreeMap<>(malformedByDay));
        }
    }

    /** The lines of the files dated {@code from..to} (UTC, both included), in file order, on the calling thread. */
    public Summary read(LocalDate from, LocalDate to, Consumer<UsageLine> sink) throws IOException {
        Tally total = new Tally();
        UsageLineParser parser = new UsageLineParser(fields);
        List<DayFile> files = UsageLogFiles.list(dir, from, to);
        Set<Path> claimed = claimed(files);
        for (DayFile f : files) {
            total.add(readFile(f, parser, sink, claimed));
        }
        return total.summary();
    }

    /**
     * The lines of the files dated {@code from..to}, up to {@link #threads} files at once: each file's lines go,
     * on one thread, to the callback {@code sinkFor} made for that file (called on the pool), so callbacks of
     * different files share nothing unless the caller makes them.
     */
    public Summary readEachFile(LocalDate from, LocalDate to, Function<DayFile, Consumer<UsageLine>> sinkFor)
            throws IOException {
        List<DayFile> files = new ArrayList<>(UsageLogFiles.list(dir, from, to));
        Tally total = new Tally();
        if (files.isEmpty()) {
            return total.summary();
        }
        // the biggest files first keeps every thread busy to the end
        files.sort((a, b) -> Long.compare(size(b.path()), size(a.path())));
        int n = Math.min(threads, files.size());
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "tollgate-log-reader");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<UsageLineParser> parsers = ThreadLocal.withInitial(() -> new UsageLineParser(fields));
        Set<Path> claimed = claimed(files);
        try {
            List<CompletableFuture<Tally>> parts = new ArrayList<>(files.size());
            for (DayFile f : files) {
                parts.add(CompletableFuture.supplyAsync(() -> readFile(f, parsers.get(), sinkFor.apply(f), claimed), pool));
            }
            for (CompletableFuture<Tally> part : parts) {
                total.add(part.join());
            }
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        } finally {
            pool.shutdownNow();
        }
        return total.summary();
    }

    /**
     * The newest {@code limit} records that pass {@code filter}, newest first: the newest files first, a plain file
     * read backwards from its end in 64 KiB blocks, so a 1 GB log costs its tail; a gzipped day (compressed after it
     * closed) cannot be read backwards and streams through, keeping only its last matches. Within a file, lines are
     * newest last, as the writer appends them. Malformed lines are skipped, as in a forward read.
     */
    public List<UsageRecord> newest(int limit, Predicate<UsageLine> filter) throws IOException {
        return newest(limit, filter, LocalDate.MIN);
    }

    /** {@link #newest(int, Predicate)} of the files dated {@code from} (UTC) on: what a caller may make it read. */
    public List<UsageRecord> newest(int limit, Predicate<UsageLine> filter, LocalDate from) throws IOException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        List<DayFile> files = new ArrayList<>(UsageLogFiles.list(dir, from, LocalDate.MAX));
        Collections.reverse(files);
        List<UsageRecord> out = new ArrayList<>(Math.min(limit, 1024));
        UsageLineParser parser = new UsageLineParser(fields);
        for (DayFile f : files) {
            if (out.size() >= limit) {
                break;
            }
            int want = limit - out.size();
            if (f.gzip()) {
                ArrayDeque<UsageRecord> last = new ArrayDeque<>(Math.min(want, 1024));
                readFile(f, parser, line -> {
                    if (filter.test(line)) {
                        if (last.size() == want) {
                            last.removeFirst();
                        }
                        last.addLast(line.toRecord());
                    }
                }, claimed(files));
                last.descendingIterator().forEachRemaining(out::add);
            } else {
                readBackwards(f.path(), parser, line -> {
                    if (filter.test(line)) {
                        out.add(line.toRecord());
                    }
                    return out.size() < limit;
                });
            }
        }
        return out;
    }

    /** Hands the lines of a plain file to {@code sink}, last first, until it answers false. */
    private static void readBackwards(Path path, UsageLineParser parser, Predicate<UsageLine> sink) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long end = ch.size();
            byte[] carry = new byte[0];
            boolean skipping = false;
            while (end > 0) {
                long start = Math.max(0, end - BUFFER_BYTES);
                byte[] data = new byte[(int) (end - start) + carry.length];
                ByteBuffer block = ByteBuffer.wrap(data, 0, (int) (end - start));
                while (block.hasRemaining() && ch.read(block, start + block.position()) >= 0) {
                    // positional reads: the channel's own position is never moved
                }
                System.arraycopy(carry, 0, data, (int) (end - start), carry.length);
                int lineEnd = data.length;
                for (int i = data.length - 1; i >= 0; i--) {
                    if (data[i] != '\n') {
                        continue;
                    }
                    if (skipping) {
                        skipping = false;
                    } else if (!backwardLine(data, i + 1, lineEnd - i - 1, parser, sink)) {
                        return;
                    }
                    lineEnd = i;
                }
                if (start == 0) {
                    if (!skipping) {
                        backwardLine(data, 0, lineEnd, parser, sink);
                    }
                    return;
                }
                // the start of a line that began in an earlier block; an over-long one is dropped, as forward
                skipping |= lineEnd > MAX_LINE_BYTES;
                carry = skipping ? new byte[0] : Arrays.copyOf(data, lineEnd);
                end = start;
            }
        } catch (NoSuchFileException e) {
            // compressed and deleted by retention since the listing: its gzipped copy is read in its turn
        }
    }

    private static boolean backwardLine(byte[] buf, int off, int len, UsageLineParser parser,
                                        Predicate<UsageLine> sink) {
        if (LineSplitter.blank(buf, off, len) || !parser.parse(buf, off, len)) {
            return true;
        }
        return sink.test(parser.line());
    }

    /** The listed files, as a set more can join: a gzipped copy found after the listing is read once. */
    private static Set<Path> claimed(List<DayFile> listed) {
        Set<Path> s = ConcurrentHashMap.newKeySet();
        listed.forEach(f -> s.add(f.path()));
        return s;
    }

    private static Tally readFile(DayFile file, UsageLineParser parser, Consumer<UsageLine> sink, Set<Path> claimed) {
        Tally t = new Tally();
        FileSink lines = new FileSink(parser, sink);
        InputStream raw;
        try {
            raw = Files.newInputStream(file.path());
        } catch (NoSuchFileException e) {
            // compressed and deleted by retention (or a rotation job) since the listing: read its new gzipped copy
            if (!file.gzip()) {
                try {
                    for (DayFile copy : UsageLogFiles.list(file.path().getParent(), file.date(), file.date())) {
                        if (copy.gzip() && claimed.add(copy.path())) {
                            t.add(readFile(copy, parser, sink, claimed));
                        }
                    }
                } catch (IOException listing) {
                    log.warn("usage log: {} vanished and its folder cannot be listed: {}", file.path(), listing.toString());
                }
            }
            return t;
        } catch (IOException e) {
            log.warn("usage log: cannot read {}: {}", file.path(), e.toString());
            t.files = 1;
            t.unreadable = 1;
            return t;
        }
        t.files = 1;
        try (InputStream in = file.gzip() ? new GZIPInputStream(raw, BUFFER_BYTES)
                : new BufferedInputStream(raw, BUFFER_BYTES)) {
            new LineSplitter(MAX_LINE_BYTES).split(in, lines);
        } catch (IOException e) {
            log.warn("usage log: {} is unreadable past line {}: {}", file.path(), lines.lines, e.toString());
            t.unreadable = 1;
            lines.malformed++;
        } finally {
            closeQuietly(raw);
        }
        if (lines.malformed > 0) {
            MalformedLineException first = lines.firstFailure;
            log.debug("usage log: {} has {} malformed lines, skipped; the first: {}", file.path(), lines.malformed,
                    first == null ? "over-long or unreadable" : first.getMessage());
            t.malformedByDay.put(file.date(), lines.malformed);
        }
        t.records = lines.records;
        t.malformed = lines.malformed;
        return t;
    }

    private static void closeQuietly(InputStream raw) {
        try {
            raw.close();
        } catch (IOException ignored) {
            // a read-only file: nothing to lose; a failed read is already reported
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Parses each line of one file and hands the good ones on. */
    private static final class FileSink implements LineSplitter.LineSink {
        private final UsageLineParser parser;
        private final Consumer<UsageLine> sink;
        long lines;
        long records;
        long malformed;
        @Nullable MalformedLineException firstFailure;

        FileSink(UsageLineParser parser, Consumer<UsageLine> sink) {
            this.parser = parser;
            this.sink = sink;
        }

        @Override
        public void line(byte[] buf, int off, int len) {
            lines++;
            if (LineSplitter.blank(buf, off, len)) {
                return;
            }
            if (!parser.parse(buf, off, len)) {
                if (firstFailure == null) {
                    firstFailure = parser.failure();
                }
                malformed++;
                return;
            }
            records++;
            sink.accept(parser.line());
        }

        @Override
        public void tooLong() {
            lines++;
            malformed++;
        }
    }

    /** Counts of one file or of a whole read. */
    private static final class Tally {
        int files;
        long records;
        long malformed;
        int unreadable;
        final Map<LocalDate, Long> malformedByDay = new TreeMap<>();

        void add(Tally other) {
            files += other.files;
            records += other.records;
            malformed += other.malformed;
            unreadable += other.unreadable;
            other.malformedByDay.forEach((day, n) -> malformedByDay.merge(day, n, Long::sum));
        }

        Summary summary() {
            return new Summary(files, records, malformed, unreadable, malformedByDay);
        }
    }
}

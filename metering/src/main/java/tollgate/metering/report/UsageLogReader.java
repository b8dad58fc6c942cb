package tollgate.metering.report;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the usage log of a date range into a {@link UsageCube}: {@code usage-YYYY-MM-DD*.jsonl} and rotated
 * {@code .jsonl.gz} files, several at once on a bounded pool, each line parsed as a stream; a malformed line
 * is skipped and counted, never fatal. Blocking: call it off any event loop.
 */
public final class UsageLogReader {
    private static final Logger log = LoggerFactory.getLogger(UsageLogReader.class);
    private static final Pattern FILE = Pattern.compile("usage-(\\d{4}-\\d{2}-\\d{2})(?:[.-][^/]*)?\\.jsonl(?:\\.gz)?");
    private static final int MAX_LINE_BYTES = 16 << 20;

    private final int threads;

    /** @param threads files read at once (at least 1) */
    public UsageLogReader(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.threads = threads;
    }

    public static UsageLogReader withAvailableProcessors() {
        return new UsageLogReader(Runtime.getRuntime().availableProcessors());
    }

    /**
     * What a read keeps: calls on these UTC dates that pass the filter, and (when set) logged before a cut-off.
     *
     * @param keepUser false when no grouping or filter needs the user: cells then merge across users
     * @param keepTags the tag names a grouping or filter needs; null keeps every tag
     */
    record Scope(LocalDate from, LocalDate to, StatsFilter filter, @Nullable Instant before, boolean keepUser,
                 @Nullable Set<String> keepTags) {
        /** Every dimension of every call in the range, as the aggregates keep them. */
        static Scope all(LocalDate from, LocalDate to, @Nullable Instant before) {
            return new Scope(from, to, StatsFilter.NONE, before, true, null);
        }

        /** Only the dimensions the query groups or filters on, so a day's cells stay few whatever its users. */
        static Scope of(StatsQuery q) {
            Set<String> tags = new HashSet<>(q.filter().tags().keySet());
            boolean user = q.filter().user() != null;
            for (GroupBy by : q.by()) {
                user |= by.dimension() == Dimension.USER;
                if (by.tagName() != null) {
                    tags.add(by.tagName());
                }
            }
            return new Scope(q.from(), q.to(), q.filter(), null, user, Set.copyOf(tags));
        }
    }

    /** A log file and the UTC date in its name. */
    record LogFile(Path path, LocalDate date) {
    }

    /**
     * Reads the calls of the query's range that pass its filter, keeping the dimensions it needs.
     *
     * @throws UncheckedIOException when {@code dir} cannot be listed
     */
    public UsageCube read(Path dir, StatsQuery query) {
        return read(dir, Scope.of(query));
    }

    UsageCube read(Path dir, Scope scope) {
        // a call is logged under its ts's date; a line written just after midnight may sit in the next day's file
        List<LogFile> files = list(dir, scope.from(), scope.to().plusDays(1));
        UsageCube result = new UsageCube();
        if (files.isEmpty()) {
            return result;
        }
        int n = Math.min(threads, files.size());
        ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "tollgate-stats-reader");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<UsageCube>> parts = new ArrayList<>(files.size());
            for (LogFile f : files) {
                parts.add(CompletableFuture.supplyAsync(() -> readFile(f, scope), pool));
            }
            for (CompletableFuture<UsageCube> part : parts) {
                result.merge(part.join());
            }
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        } finally {
            pool.shutdownNow();
        }
        return result;
    }

    static List<LogFile> list(Path dir, LocalDate from, LocalDate to) {
        List<LogFile> files = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.forEach(p -> {
                Path name = p.getFileName();
                Matcher m = FILE.matcher(name == null ? "" : name.toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    try {
                        LocalDate date = LocalDate.parse(m.group(1));
                        if (!date.isBefore(from) && !date.isAfter(to)) {
                            files.add(new LogFile(p, date));
                        }
                    } catch (DateTimeParseException e) {
                        log.debug("ignoring {}: no date in its name", p);
                    }
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("listing usage log folder " + dir, e);
        }
        // the biggest days first keeps the pool busy to the end
        files.sort((a, b) -> Long.compare(size(b.path()), size(a.path())));
        return files;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    private static UsageCube readFile(LogFile file, Scope scope) {
        UsageCube cube = new UsageCube();
        FileSink sink = new FileSink(cube, scope);
        boolean gz = file.path().getFileName().toString().endsWith(".gz");
        try (InputStream raw = Files.newInputStream(file.path());
             InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw, 1 << 16)) {
            new LineSplitter(MAX_LINE_BYTES).split(in, sink);
        } catch (IOException e) {
            // a truncated rotated file keeps the lines read before the damage
            log.warn("usage log {} unreadable past line {}: {}", file.path(), sink.lines, e.toString());
            sink.skipped++;
        }
        boolean inRange = !file.date().isBefore(scope.from()) && !file.date().isAfter(scope.to());
        if (inRange) {
            cube.addSkipped(file.date(), sink.skipped);
        }
        return cube;
    }

    /** Parses each line of one file into its cube, applying the scope. */
    private static final class FileSink implements LineSplitter.LineSink {
        final UsageLineParser parser;
        final UsageCube cube;
        final Scope scope;
        long lines;
        long skipped;

        FileSink(UsageCube cube, Scope scope) {
            this.cube = cube;
            this.scope = scope;
            this.parser = new UsageLineParser(scope.keepUser(), scope.keepTags());
        }

        @Override
        public void line(byte[] buf, int off, int len) {
            lines++;
            if (blank(buf, off, len)) {
                return;
            }
            UsageLineParser p = parser;
            if (!p.parse(buf, off, len)) {
                skipped++;
                return;
            }
            if (p.day.isBefore(scope.from()) || p.day.isAfter(scope.to())) {
                return;
            }
            String pricedAs = p.costUsd == null ? null : p.pricedAs;
            if (!scope.filter().matches(p.key, p.model, pricedAs, p.user, p.tags)) {
                return;
            }
            if (scope.before() != null && !p.instant().isBefore(scope.before())) {
                return;
            }
            cube.addCall(p.day, new CellKey(p.key, p.endpoint, p.model, pricedAs, p.user, p.tags, p.error),
                    p.inputTokens, p.cachedInputTokens, p.outputTokens, p.reasoningTokens, p.totalTokens,
                    p.estimated, p.costUsd);
        }

        @Override
        public void tooLong() {
            lines++;
            skipped++;
        }

        private static boolean blank(byte[] buf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                byte b = buf[i];
                if (b != ' ' && b != '\t' && b != '\r') {
                    return false;
                }
            }
            return true;
        }
    }
}

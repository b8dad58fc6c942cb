package tollgate.metering.log;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the records of the usage log's day files ({@code usage-*.jsonl} and {@code usage-*.jsonl.gz}) for a range
 * of UTC dates, skipping and counting lines that do not parse.
 *
 * <p>Blocking file I/O: call it at start-up (rebuilding budgets), from the {@code stats} command or from an
 * executor, never from an event loop.
 */
public final class UsageLogReader {
    private static final Logger log = LoggerFactory.getLogger(UsageLogReader.class);
    // a day's .gz (an archive of earlier lines) is read before its plain file (lines written since)
    private static final Comparator<Path> ORDER = Comparator
            .comparing((Path p) -> UsageLogFile.dateOf(p.getFileName().toString()))
            .thenComparing(p -> !p.getFileName().toString().endsWith(".gz"));

    private final Path dir;

    public UsageLogReader(Path dir) {
        this.dir = dir;
    }

    /**
     * What one read found.
     *
     * @param malformedLines lines skipped because they did not parse (blank lines are not counted)
     * @param unreadableFiles files that failed part way (e.g. a truncated .gz); their lines before the failure count
     */
    public record Summary(int files, long records, long malformedLines, int unreadableFiles) {
    }

    /** The day files of {@code from..to} (UTC dates, both included) in reading order; none when the folder is missing. */
    public List<Path> files(LocalDate from, LocalDate to) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.forEach(p -> {
                LocalDate d = UsageLogFile.dateOf(p.getFileName().toString());
                if (d != null && !d.isBefore(from) && !d.isAfter(to) && Files.isRegularFile(p)) {
                    found.add(p);
                }
            });
        }
        found.sort(ORDER);
        return found;
    }

    /** Every record in the files of UTC dates {@code from..to} (both included), in file order. */
    public Summary read(LocalDate from, LocalDate to, Consumer<UsageRecord> sink) throws IOException {
        Counts c = new Counts();
        for (Path p : files(from, to)) {
            readFile(p, r -> {
                c.records++;
                sink.accept(r);
            }, c);
        }
        return c.summary();
    }

    /** Records with {@code from <= ts < to}, e.g. those of a budget window that is still open. */
    public Summary read(Instant from, Instant to, Consumer<UsageRecord> sink) throws IOException {
        if (!from.isBefore(to)) {
            return new Summary(0, 0, 0, 0);
        }
        // records sit in the file of their own UTC date, so the last date is the one of the last instant included
        LocalDate first = LocalDate.ofInstant(from, ZoneOffset.UTC);
        LocalDate last = LocalDate.ofInstant(to.minusNanos(1), ZoneOffset.UTC);
        Counts c = new Counts();
        for (Path p : files(first, last)) {
            readFile(p, r -> {
                if (!r.ts().isBefore(from) && r.ts().isBefore(to)) {
                    c.records++;
                    sink.accept(r);
                }
            }, c);
        }
        return c.summary();
    }

    private static void readFile(Path path, Consumer<UsageRecord> sink, Counts c) {
        c.files++;
        long malformedBefore = c.malformed;
        boolean gz = path.getFileName().toString().endsWith(".gz");
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            // compressed and deleted by a rotation job since the listing
            c.files--;
            return;
        } catch (IOException e) {
            c.unreadable++;
            log.warn("usage log: cannot read {}: {}", path, e.toString());
            return;
        }
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                gz ? new GZIPInputStream(in, 64 * 1024) : in, StandardCharsets.UTF_8), 64 * 1024)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                UsageRecord r;
                try {
                    r = UsageRecordJson.parse(line);
                } catch (MalformedLineException e) {
                    c.malformed++;
                    continue;
                }
                sink.accept(r);
            }
        } catch (IOException e) {
            c.unreadable++;
            log.warn("usage log: {} is unreadable past some point: {}", path, e.toString());
        }
        if (c.malformed > malformedBefore) {
            log.warn("usage log: {} has {} malformed lines, skipped", path, c.malformed - malformedBefore);
        }
    }

    /** Running totals of one read; {@code records} counts what the caller's sink was given. */
    private static final class Counts {
        int files;
        long records;
        long malformed;
        int unreadable;

        Summary summary() {
            return new Summary(files, records, malformed, unreadable);
        }
    }
}

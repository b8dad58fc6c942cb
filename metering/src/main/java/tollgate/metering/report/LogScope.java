package tollgate.metering.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.UsageLine;
import tollgate.metering.log.UsageLogReader;

/**
 * Which calls of the usage log a report counts, and the read that sums them into a {@link UsageCube} through the
 * one {@link UsageLogReader}: calls on these UTC dates that pass the filter and (when set) were logged before a
 * cut-off, keeping only the dimensions a grouping or filter needs.
 *
 * @param keepUser false when no grouping or filter needs the user: cells then merge across users
 * @param keepTags the tag names a grouping or filter needs; null keeps every tag
 */
record LogScope(LocalDate from, LocalDate to, StatsFilter filter, @Nullable Instant before, boolean keepUser,
                @Nullable Set<String> keepTags) {

    /** Every dimension of every call in the range, as the aggregates keep them. */
    static LogScope all(LocalDate from, LocalDate to, @Nullable Instant before) {
        return new LogScope(from, to, StatsFilter.NONE, before, true, null);
    }

    /** The query's calls with every dimension: each call as the log has it ({@code --format focus}). */
    static LogScope everyDimension(StatsQuery q) {
        return new LogScope(q.from(), q.to(), q.filter(), null, true, null);
    }

    /** Only the dimensions the query groups or filters on, so a day's cells stay few whatever its users. */
    static LogScope of(StatsQuery q) {
        Set<String> tags = new HashSet<>(q.filter().tags().keySet());
        boolean user = q.filter().user() != null;
        for (GroupBy by : q.by()) {
            user |= by.dimension() == Dimension.USER;
            if (by.tagName() != null) {
                tags.add(by.tagName());
            }
        }
        return new LogScope(q.from(), q.to(), q.filter(), null, user, Set.copyOf(tags));
    }

    /**
     * Sums the calls of this scope in {@code dir}, reading up to {@code threads} files at once.
     *
     * @throws UncheckedIOException when {@code dir} cannot be listed
     */
    UsageCube read(Path dir, int threads) {
        UsageLogReader reader = new UsageLogReader(dir).threads(threads)
                .fields(new UsageLine.Fields(false, keepUser, keepTags));
        List<FileSums> files = Collections.synchronizedList(new ArrayList<>());
        UsageLogReader.Summary s;
        try {
            // a call is counted on its ts's date; one logged just after midnight may sit in the next day's file
            s = reader.readEachFile(from, to.plusDays(1), file -> {
                FileSums sums = new FileSums();
                files.add(sums);
                return sums;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("listing usage log folder " + dir, e);
        }
        UsageCube cube = new UsageCube();
        for (FileSums f : files) {
            f.days.forEach((day, cells) -> cells.forEach((cell, tally) -> cube.add(day, cell, tally)));
        }
        for (Map.Entry<LocalDate, Long> skipped : s.malformedByDay().entrySet()) {
            if (!skipped.getKey().isBefore(from) && !skipped.getKey().isAfter(to)) {
                cube.addSkipped(skipped.getKey(), skipped.getValue());
            }
        }
        return cube;
    }

    /** Whether a call of the log counts: logged on a date of the range, passing the filter, before the cut-off. */
    boolean includes(UsageLine c) {
        LocalDate day = c.day();
        return !day.isBefore(from) && !day.isAfter(to) && filter.matches(c)
                && (before == null || c.ts().isBefore(before));
    }

    /**
     * Hands each call of this scope in {@code dir} to {@code sink}, file after file in date order on the calling
     * thread, with every dimension kept.
     *
     * @throws IOException when {@code dir} cannot be listed
     */
    UsageLogReader.Summary forEachCall(Path dir, Consumer<UsageLine> sink) throws IOException {
        UsageLogReader reader = new UsageLogReader(dir).fields(new UsageLine.Fields(false, keepUser, keepTags));
        // a call is counted on its ts's date; one logged just after midnight may sit in the next day's file
        return reader.read(from, to.plusDays(1), c -> {
            if (includes(c)) {
                sink.accept(c);
            }
        });
    }

    /** The malformed lines a read found in files dated in this scope's range. */
    long skippedLines(UsageLogReader.Summary s) {
        long n = 0;
        for (Map.Entry<LocalDate, Long> skipped : s.malformedByDay().entrySet()) {
            if (!skipped.getKey().isBefore(from) && !skipped.getKey().isAfter(to)) {
                n += skipped.getValue();
            }
        }
        return n;
    }

    /** One file's calls summed on its reading thread, without locks; added to the cube once the read is done. */
    private final class FileSums implements Consumer<UsageLine> {
        final Map<LocalDate, Map<CellKey, Tally>> days = new HashMap<>();
        private @Nullable LocalDate lastDay;
        private Map<CellKey, Tally> lastCells = Map.of();

        @Override
        public void accept(UsageLine c) {
            if (!includes(c)) {
                return;
            }
            LocalDate day = c.day();
            String pricedAs = CellKey.pricedAs(c.costUsd(), c.pricedAs());
            if (!day.equals(lastDay)) {
                lastDay = day;
                lastCells = days.computeIfAbsent(day, d -> new HashMap<>());
            }
            Tally t = lastCells.computeIfAbsent(new CellKey(c.key(), c.endpoint(), c.model(), pricedAs, c.user(),
                    c.tags(), c.error(), c.provider()), k -> new Tally());
            t.addCall(c.inputTokens(), c.cachedInputTokens(), c.outputTokens(), c.reasoningTokens(), c.totalTokens(),
                    c.estimated(), c.costUsd(), c.counts());
            t.addTiming(c.epochMilli(), c.durationMs());
        }
    }
}

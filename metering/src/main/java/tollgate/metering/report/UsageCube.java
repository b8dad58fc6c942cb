package tollgate.metering.report;

import java.time.LocalDate;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.metering.log.UsageRecord;

/**
 * Calls summed per UTC day and per {@link CellKey}, plus the count of unreadable log lines per day; thread-safe.
 *
 * <p>Both the log reader and {@link UsageAggregates} fill one of these, and {@link StatsCalculator} reads it,
 * so the CLI and the admin API compute the same tree from the same calls.
 */
public final class UsageCube implements CellSource {
    private final ConcurrentSkipListMap<LocalDate, Day> days = new ConcurrentSkipListMap<>();

    private static final class Day {
        final ConcurrentHashMap<CellKey, Tally> cells = new ConcurrentHashMap<>();
        final AtomicLong skipped = new AtomicLong();
    }

    private Day day(LocalDate date) {
        return days.computeIfAbsent(date, d -> new Day());
    }

    /** Adds one call to the cell {@code key} of {@code date}. */
    public void addCall(LocalDate date, CellKey key, UsageRecord r) {
        Tally t = day(date).cells.computeIfAbsent(key, k -> new Tally());
        synchronized (t) {
            t.addRecord(r);
        }
    }

    public void add(LocalDate date, CellKey key, Tally tally) {
        Tally t = day(date).cells.computeIfAbsent(key, k -> new Tally());
        synchronized (t) {
            t.add(tally);
        }
    }

    public void addSkipped(LocalDate date, long lines) {
        if (lines > 0) {
            day(date).skipped.addAndGet(lines);
        }
    }

    /** Adds all of {@code other}'s cells and skipped counts into this cube. */
    public void merge(UsageCube other) {
        other.days.forEach((date, d) -> {
            d.cells.forEach((key, tally) -> {
                Tally copy;
                synchronized (tally) {
                    copy = tally.copy();
                }
                add(date, key, copy);
            });
            addSkipped(date, d.skipped.get());
        });
    }

    public boolean contains(LocalDate date, CellKey key) {
        Day d = days.get(date);
        return d != null && d.cells.containsKey(key);
    }

    public int cellCount(LocalDate date) {
        Day d = days.get(date);
        return d == null ? 0 : d.cells.size();
    }

    /** Forgets the days before {@code first}. */
    public void dropBefore(LocalDate first) {
        days.headMap(first, false).clear();
    }

    @Override
    public void forEachCell(LocalDate from, LocalDate to, CellVisitor visitor) {
        for (Map.Entry<LocalDate, Day> e : range(from, to).entrySet()) {
            for (Map.Entry<CellKey, Tally> cell : e.getValue().cells.entrySet()) {
                Tally copy;
                synchronized (cell.getValue()) {
                    copy = cell.getValue().copy();
                }
                visitor.visit(e.getKey(), cell.getKey(), copy);
            }
        }
    }

    @Override
    public long skippedLines(LocalDate from, LocalDate to) {
        long n = 0;
        for (Day d : range(from, to).values()) {
            n += d.skipped.get();
        }
        return n;
    }

    private NavigableMap<LocalDate, Day> range(LocalDate from, LocalDate to) {
        return days.subMap(from, true, to, true);
    }
}

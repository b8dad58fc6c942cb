package tollgate.metering.report;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;
import tollgate.metering.log.UsageLine;
import tollgate.metering.log.UsageLogReader;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.report.StatsReport.Warning;

/**
 * Unusual patterns in a report's range ({@code stats --warnings}), each with the numbers behind it:
 * <ul>
 *   <li>{@code day_spend_spike}: a key's or a user's spend on a day over {@value #SPIKE_FACTOR}× the median of its
 *       7 days before (days without calls count as $0; a median of $0 is no baseline, so it needs 4 paid days);
 *   <li>{@code token_outlier}: the calls in the top 0.1 % by total tokens (one per 1,000 calls: none under 1,000);
 *   <li>{@code error_rate}: a model (priced name) whose calls failed more than 5 % of the time.
 * </ul>
 * One more read of the log, with every field, over the range and the 7 days before it: only when asked. Its memory
 * does not grow with the range: each key's and user's spend is kept for the last {@value #RING} days the scan passed
 * (each day judged once the scan is two days past it), and the outliers as their token counts, with the few shown
 * kept whole.
 */
public final class SpendWarnings {
    static final int SPIKE_FACTOR = 3;
    static final int TRAILING_DAYS = 7;
    static final BigDecimal MAX_ERROR_RATE = new BigDecimal("0.05");
    /** One outlier per this many calls: the top 0.1 %. */
    static final int CALLS_PER_OUTLIER = 1000;
    /** Outliers listed one by one; the rest are counted. */
    static final int OUTLIERS_SHOWN = 10;
    /** Users followed per day; past it, further users are not judged (user ids come from client headers). */
    static final int MAX_USERS = 10_000;
    /** Keys followed; past it, further keys are not judged (without keys_required, any key is logged by fingerprint). */
    static final int MAX_KEYS = 10_000;
    /**
     * Days of spend kept per key and user: the 7 days before the day judged, that day, and the day after it, whose
     * file may hold its last lines (a call ending at midnight is written after the file of the next day opened).
     */
    static final int RING = TRAILING_DAYS + 3;

    private SpendWarnings() {
    }

    /**
     * The warnings of a query's range, from the log: the CLI's {@code --warnings}, {@code /admin/usage?warnings=true}
     * and the webhook's {@link WarningEvents} all call this. Blocks on file IO: never on an event loop.
     *
     * @param calls the calls in range that pass the filter, as the report counted them: the top 0.1 % is of these
     */
    public static List<Warning> scan(Path dir, StatsQuery q, long calls) throws IOException {
        Scan s = new Scan(q, (int) Math.min(Integer.MAX_VALUE, calls / CALLS_PER_OUTLIER));
        new UsageLogReader(dir).read(q.from().minusDays(TRAILING_DAYS), q.to().plusDays(1), s);
        List<Warning> out = new ArrayList<>();
        out.addAll(s.keyDays.finish());
        out.addAll(s.userDays.finish());
        outliers(out, s);
        errorRates(out, s);
        return out;
    }

    /** The calls of the range and of the week before it that pass the filter, summed as the rules need. */
    private static final class Scan implements Consumer<UsageLine> {
        final StatsQuery q;
        final SpendByDay keyDays;
        final SpendByDay userDays;
        final Map<String, long[]> callsAndErrorsByModel = new TreeMap<>();
        final Map<String, Map<String, Long>> errorsByModel = new HashMap<>();
        /** The token counts of the biggest calls so far (a min-heap of at most {@link #keep}). */
        final LongMinHeap biggest;
        /** The biggest calls themselves, as many as are shown. */
        final PriorityQueue<UsageRecord> shown = new PriorityQueue<>(Comparator.comparingLong(UsageRecord::totalTokens));
        /** How many of the biggest calls to keep: the top 0.1 % of the calls the report counted. */
        final int keep;
        long calls;

        Scan(StatsQuery q, int keep) {
            this.q = q;
            this.keep = keep;
            this.biggest = new LongMinHeap(keep);
            this.keyDays = new SpendByDay("key", q, MAX_KEYS);
            this.userDays = new SpendByDay("user", q, MAX_USERS);
        }

        @Override
        public void accept(UsageLine l) {
            LocalDate day = l.day();
            if (day.isBefore(q.from().minusDays(TRAILING_DAYS)) || day.isAfter(q.to())) {
                return;
            }
            String pricedAs = CellKey.pricedAs(l.costUsd(), l.pricedAs());
            if (!q.filter().matches(l)) {
                return;
            }
            BigDecimal cost = l.costUsd() == null ? BigDecimal.ZERO : l.costUsd();
            keyDays.add(l.key(), day, cost);
            if (l.user() != null) {
                userDays.add(l.user(), day, cost);
            }
            if (day.isBefore(q.from())) {
                return;
            }
            calls++;
            String model = GroupBy.pricedModel(pricedAs, l.model());
            long[] ce = callsAndErrorsByModel.computeIfAbsent(model, m -> new long[2]);
            ce[0]++;
            if (l.error() != null) {
                ce[1]++;
                errorsByModel.computeIfAbsent(model, m -> new TreeMap<>()).merge(l.error(), 1L, Long::sum);
            }
            if (keep > 0 && biggest.offer(l.totalTokens())) {
                int show = Math.min(keep, OUTLIERS_SHOWN);
                if (shown.size() < show || l.totalTokens() > shown.peek().totalTokens()) {
                    shown.add(l.toRecord());
                    if (shown.size() > show) {
                        shown.poll();
                    }
                }
            }
        }
    }

    /** The largest {@code capacity} values offered, smallest on top: 8 bytes a value, no boxing. */
    static final class LongMinHeap {
        private final long[] heap;
        private int size;

        LongMinHeap(int capacity) {
            heap = new long[Math.max(0, capacity)];
        }

        /** Keeps {@code v} when there is room or it is over the smallest kept (which then goes); true when kept. */
        boolean offer(long v) {
            if (size < heap.length) {
                int i = size++;
                while (i > 0 && heap[(i - 1) / 2] > v) {
                    heap[i] = heap[(i - 1) / 2];
                    i = (i - 1) / 2;
                }
                heap[i] = v;
                return true;
            }
            if (size == 0 || v <= heap[0]) {
                return false;
            }
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) {
                    break;
                }
                if (c + 1 < size && heap[c + 1] < heap[c]) {
                    c++;
                }
                if (heap[c] >= v) {
                    break;
                }
                heap[i] = heap[c];
                i = c;
            }
            heap[i] = v;
            return true;
        }

        int size() {
            return size;
        }

        /** The smallest value kept; only when not empty. */
        long min() {
            return heap[0];
        }
    }

    /**
     * Keys' or users' spend by day, judged day by day as the scan passes: a name keeps the last {@link #RING} days,
     * and a day is judged against the 7 before it once the name has a line two days later, or at the end. The log's
     * files are read in date order; a line more than a day late (a restart record, a clock step) still counts in the
     * days kept and is dropped from the judgement of days already judged.
     */
    static final class SpendByDay {
        private final String what;
        private final StatsQuery q;
        private final int maxNames;
        private final Map<String, Ring> byName = new HashMap<>();
        private final List<Warning> found = new ArrayList<>();

        SpendByDay(String what, StatsQuery q, int maxNames) {
            this.what = what;
            this.q = q;
            this.maxNames = maxNames;
        }

        void add(String name, LocalDate day, BigDecimal cost) {
            Ring r = byName.get(name);
            if (r == null) {
                if (byName.size() >= maxNames) {
                    return;
                }
                r = new Ring(day.toEpochDay());
                byName.put(name, r);
            }
            long d = day.toEpochDay();
            if (d > r.newest) {
                // days two behind the newest line are complete: judge them, then free their places
                judge(name, r, d - 2);
                for (long x = Math.max(r.newest + 1, d - RING + 1); x <= d; x++) {
                    r.spend[slot(x)] = null;
                }
                r.newest = d;
            }
            if (d > r.newest - RING) {
                int i = slot(d);
                r.spend[i] = r.spend[i] == null ? cost : r.spend[i].add(cost);
            }
        }

        /** The spikes of every name, sorted by name and day, once the scan is done. */
        List<Warning> finish() {
            byName.forEach((name, r) -> judge(name, r, r.newest));
            found.sort(Comparator.comparing(Warning::subject).thenComparing(Warning::day));
            return found;
        }

        /** Judges the name's days after those judged, through {@code through}. */
        private void judge(String name, Ring r, long through) {
            long last = Math.min(through, r.newest);
            for (long d = Math.max(r.judged + 1, r.newest - RING + 1 + TRAILING_DAYS); d <= last; d++) {
                judgeDay(name, r, d);
            }
            r.judged = Math.max(r.judged, last);
        }

        private void judgeDay(String name, Ring r, long d) {
            LocalDate day = LocalDate.ofEpochDay(d);
            BigDecimal spent = r.spend[slot(d)];
            if (spent == null || day.isBefore(q.from()) || day.isAfter(q.to())) {
                return;
            }
            List<BigDecimal> week = new ArrayList<>(TRAILING_DAYS);
            for (int i = TRAILING_DAYS; i >= 1; i--) {
                BigDecimal v = r.spend[slot(d - i)];
                week.add(v == null ? BigDecimal.ZERO : v);
            }
            List<BigDecimal> sorted = new ArrayList<>(week);
            sorted.sort(Comparator.naturalOrder());
            BigDecimal median = sorted.get(TRAILING_DAYS / 2);
            if (median.signum() <= 0 || spent.compareTo(median.multiply(BigDecimal.valueOf(SPIKE_FACTOR))) <= 0) {
                return;
            }
            BigDecimal times = spent.divide(median, 1, RoundingMode.HALF_EVEN);
            List<String> shown = new ArrayList<>();
            week.forEach(v -> shown.add(Amounts.usd(v)));
            found.add(new Warning("day_spend_spike", what + " " + name + " spent " + Amounts.usd(spent) + " on "
                    + day + ", " + times.toPlainString() + "× its usual day",
                    what + " " + name + ": " + Amounts.usd(spent) + " on " + day + " > " + SPIKE_FACTOR
                            + " × the median " + Amounts.usd(median) + " of the " + TRAILING_DAYS
                            + " days before (" + String.join(", ", shown) + ")",
                    Amounts.plain(spent), Amounts.plain(median.multiply(BigDecimal.valueOf(SPIKE_FACTOR))),
                    what, name, day));
        }

        private static int slot(long epochDay) {
            return (int) Math.floorMod(epochDay, (long) RING);
        }

        /** One name's spend of the days newest-RING+1..newest, by epoch day modulo RING. */
        private static final class Ring {
            final BigDecimal[] spend = new BigDecimal[RING];
            long newest;
            /** Days through this one have been judged. */
            long judged;

            Ring(long first) {
                newest = first;
                judged = first - 1;
            }
        }
    }

    private static void outliers(List<Warning> out, Scan s) {
        int count = s.biggest.size();
        if (count == 0) {
            return;
        }
        List<UsageRecord> top = new ArrayList<>(s.shown);
        top.sort(Comparator.comparingLong(UsageRecord::totalTokens).reversed());
        long threshold = s.biggest.min();
        StringBuilder detail = new StringBuilder();
        detail.append(Amounts.calls(count)).append(" of ").append(Amounts.count(s.calls))
                .append(" (the top 0.1 %) had ").append(Amounts.count(threshold)).append(" tokens or more: ");
        for (int i = 0; i < top.size(); i++) {
            UsageRecord r = top.get(i);
            detail.append(i == 0 ? "" : "; ").append(r.ts()).append(" key ").append(r.key()).append(' ')
                    .append(r.model()).append(' ').append(Amounts.count(r.totalTokens())).append(" tokens")
                    .append(r.costUsd() == null ? "" : ", " + Amounts.usd(r.costUsd()))
                    .append(r.requestId().isEmpty() ? "" : " (request " + r.requestId() + ")");
        }
        if (count > top.size()) {
            detail.append("; and ").append(count - top.size()).append(" more");
        }
        out.add(new Warning("token_outlier", Amounts.calls(count) + " in the top 0.1 % by tokens",
                detail.toString(), BigDecimal.valueOf(top.get(0).totalTokens()), BigDecimal.valueOf(threshold),
                "key", top.get(0).key(), null));
    }

    private static void errorRates(List<Warning> out, Scan s) {
        s.callsAndErrorsByModel.forEach((model, ce) -> {
            BigDecimal rate = Amounts.share(ce[1], ce[0]);
            if (ce[1] == 0 || BigDecimal.valueOf(ce[1]).compareTo(MAX_ERROR_RATE.multiply(BigDecimal.valueOf(ce[0]))) <= 0) {
                return;
            }
            List<String> reasons = new ArrayList<>();
            s.errorsByModel.get(model).forEach((error, n) -> reasons.add(error + " " + n));
            out.add(new Warning("error_rate", model + ": " + Amounts.percent(rate) + " of calls failed",
                    model + ": " + ce[1] + " of " + Amounts.calls(ce[0]) + " failed (" + Amounts.percent(rate) + " > "
                            + Amounts.percent(MAX_ERROR_RATE) + "): " + String.join(", ", reasons),
                    rate, MAX_ERROR_RATE, "model", model, null));
        });
    }
}

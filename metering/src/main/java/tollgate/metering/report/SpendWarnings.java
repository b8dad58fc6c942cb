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
 * One more read of the log, with every field, over the range and the 7 days before it: only when asked.
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
        spikes(out, "key", s.keyDays, q);
        spikes(out, "user", s.userDays, q);
        outliers(out, s);
        errorRates(out, s);
        return out;
    }

    /** The calls of the range and of the week before it that pass the filter, summed as the rules need. */
    private static final class Scan implements Consumer<UsageLine> {
        final StatsQuery q;
        final Map<String, TreeMap<LocalDate, BigDecimal>> keyDays = new HashMap<>();
        final Map<String, TreeMap<LocalDate, BigDecimal>> userDays = new HashMap<>();
        final Map<String, long[]> callsAndErrorsByModel = new TreeMap<>();
        final Map<String, Map<String, Long>> errorsByModel = new HashMap<>();
        final PriorityQueue<UsageRecord> biggest = new PriorityQueue<>(Comparator.comparingLong(UsageRecord::totalTokens));
        /** How many of the biggest calls to keep: the top 0.1 % of the calls the report counted. */
        final int keep;
        long calls;

        Scan(StatsQuery q, int keep) {
            this.q = q;
            this.keep = keep;
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
            if (keyDays.containsKey(l.key()) || keyDays.size() < MAX_KEYS) {
                keyDays.computeIfAbsent(l.key(), k -> new TreeMap<>()).merge(day, cost, BigDecimal::add);
            }
            if (l.user() != null && (userDays.containsKey(l.user()) || userDays.size() < MAX_USERS)) {
                userDays.computeIfAbsent(l.user(), u -> new TreeMap<>()).merge(day, cost, BigDecimal::add);
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
            if (keep > 0 && (biggest.size() < keep || l.totalTokens() > biggest.peek().totalTokens())) {
                biggest.add(l.toRecord());
                if (biggest.size() > keep) {
                    biggest.poll();
                }
            }
        }
    }

    private static void spikes(List<Warning> out, String what, Map<String, TreeMap<LocalDate, BigDecimal>> byName,
                               StatsQuery q) {
        new TreeMap<>(byName).forEach((name, days) -> {
            for (Map.Entry<LocalDate, BigDecimal> d : days.subMap(q.from(), true, q.to(), true).entrySet()) {
                List<BigDecimal> week = new ArrayList<>(TRAILING_DAYS);
                for (int i = TRAILING_DAYS; i >= 1; i--) {
                    week.add(days.getOrDefault(d.getKey().minusDays(i), BigDecimal.ZERO));
                }
                List<BigDecimal> sorted = new ArrayList<>(week);
                sorted.sort(Comparator.naturalOrder());
                BigDecimal median = sorted.get(TRAILING_DAYS / 2);
                BigDecimal spent = d.getValue();
                if (median.signum() <= 0 || spent.compareTo(median.multiply(BigDecimal.valueOf(SPIKE_FACTOR))) <= 0) {
                    continue;
                }
                BigDecimal times = spent.divide(median, 1, RoundingMode.HALF_EVEN);
                List<String> shown = new ArrayList<>();
                week.forEach(v -> shown.add(Amounts.usd(v)));
                out.add(new Warning("day_spend_spike", what + " " + name + " spent " + Amounts.usd(spent) + " on "
                        + d.getKey() + ", " + times.toPlainString() + "× its usual day",
                        what + " " + name + ": " + Amounts.usd(spent) + " on " + d.getKey() + " > " + SPIKE_FACTOR
                                + " × the median " + Amounts.usd(median) + " of the " + TRAILING_DAYS
                                + " days before (" + String.join(", ", shown) + ")",
                        Amounts.plain(spent), Amounts.plain(median.multiply(BigDecimal.valueOf(SPIKE_FACTOR))),
                        what, name, d.getKey()));
            }
        });
    }

    private static void outliers(List<Warning> out, Scan s) {
        if (s.biggest.isEmpty()) {
            return;
        }
        List<UsageRecord> top = new ArrayList<>(s.biggest);
        top.sort(Comparator.comparingLong(UsageRecord::totalTokens).reversed());
        long threshold = top.get(top.size() - 1).totalTokens();
        StringBuilder detail = new StringBuilder();
        detail.append(Amounts.calls(top.size())).append(" of ").append(Amounts.count(s.calls))
                .append(" (the top 0.1 %) had ").append(Amounts.count(threshold)).append(" tokens or more: ");
        for (int i = 0; i < Math.min(OUTLIERS_SHOWN, top.size()); i++) {
            UsageRecord r = top.get(i);
            detail.append(i == 0 ? "" : "; ").append(r.ts()).append(" key ").append(r.key()).append(' ')
                    .append(r.model()).append(' ').append(Amounts.count(r.totalTokens())).append(" tokens")
                    .append(r.costUsd() == null ? "" : ", " + Amounts.usd(r.costUsd()))
                    .append(r.requestId().isEmpty() ? "" : " (request " + r.requestId() + ")");
        }
        if (top.size() > OUTLIERS_SHOWN) {
            detail.append("; and ").append(top.size() - OUTLIERS_SHOWN).append(" more");
        }
        out.add(new Warning("token_outlier", Amounts.calls(top.size()) + " in the top 0.1 % by tokens",
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

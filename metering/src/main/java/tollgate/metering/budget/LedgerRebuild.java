package tollgate.metering.budget;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;
import tollgate.config.KeyConfig;
import tollgate.config.TollgateConfig;
import tollgate.metering.log.UsageLine;
import tollgate.metering.log.UsageLogReader;

/**
 * Rebuilds the spend of the windows still open from the usage log at start-up, so a restart does not hand every
 * key, user, tag value, model or the whole fleet a fresh budget (SPEC 7, 11). Reads, through the one {@link UsageLogReader} (plain, gzipped and rotated day
 * files, the same line rules as {@code stats}), the days from the first day of the oldest open window on, takes
 * {@code ts}, {@code key}, {@code cost_usd} (null: 0) and {@code total_tokens} of each call (and {@code user},
 * the budgeted tags and {@code priced_as} when those scopes have budgets), and loads the sums
 * into a {@link LocalBudgetStore}. With {@code log.store}, the fleet's sums from the database and, from this
 * replica's log, only the lines the database does not hold yet (read as the shipper reads them, {@link
 * tollgate.metering.log.UsageLogTail}). Blocking file I/O: run it before the server accepts calls. (The Redis
 * store keeps its counters in Redis and needs none.)
 */
public final class LedgerRebuild {

    private final Path logDir;
    private final ZoneId zone;
    private final Clock clock;

    public LedgerRebuild(Path logDir, ZoneId zone, Clock clock) {
        this.logDir = logDir;
        this.zone = zone;
        this.clock = clock;
    }

    /**
     * What the rebuild read.
     *
     * @param records calls read from the log's files of the open windows' days
     * @param malformed lines skipped for breaking the log's line rules (as {@code stats} skips them)
     * @param droppedKeys accounts beyond {@code maxKeys}, whose spend was not loaded (rebuilt when they return)
     */
    public record Result(int files, long records, long malformed, int keys, int droppedKeys) {
    }

    /** The windows any budget of {@code config} uses: those worth rebuilding. */
    public static Set<BudgetWindow> windowsIn(TollgateConfig config) {
        Set<BudgetWindow> windows = EnumSet.noneOf(BudgetWindow.class);
        config.budgets().allLimits().forEach(l -> windows.add(l.window()));
        for (KeyConfig key : config.keys()) {
            List<BudgetLimit> own = key.budgets();
            if (own != null) {
                own.forEach(l -> windows.add(l.window()));
            }
        }
        return windows;
    }

    /**
     * Loads the spend of the current instance of each of {@code windows} into {@code store}.
     *
     * @param windows the windows any budget uses; all files are read when {@code total} is among them
     * @param maxKeys the store's key bound; spend of further keys is not loaded
     */
    public Result loadInto(LocalBudgetStore store, Set<BudgetWindow> windows, int maxKeys) throws IOException {
        return loadInto(store, windows, maxKeys, BudgetScopes.NONE);
    }

    /**
     * Loads the spend of the current instance of each of {@code windows} into {@code store}, for every key and for
     * every user, tag value, model and the global scope that {@code scopes} limits (SPEC 11).
     *
     * @param maxKeys the store's account bound; spend of further accounts (keys, users, tag values) is not loaded
     */
    public Result loadInto(LocalBudgetStore store, Set<BudgetWindow> windows, int maxKeys, BudgetScopes scopes)
            throws IOException {
        return loadInto(store, windows, maxKeys, scopes, null);
    }

    /**
     * {@link #loadInto(LocalBudgetStore, Set, int, BudgetScopes)}, with {@code log.store} (issue 20): each account's
     * spend in each window is what the fleet's database holds (every replica's shipped calls, this one's included)
     * plus this replica's own calls that are not in the database yet: the lines of its log after the last one the
     * database holds, read in the same snapshot as the sums ({@link FleetSpend}). No call is missed and none counts
     * twice, whether the database was down, behind, or a crash came between a commit and the checkpoint.
     *
     * @param fleet the database's sums; null: this replica's log alone
     */
    public Result loadInto(LocalBudgetStore store, Set<BudgetWindow> windows, int maxKeys, BudgetScopes scopes,
            @Nullable FleetSpend fleet) throws IOException {
        Map<String, Map<WindowSlot, Sum>> sums = new HashMap<>();
        Set<String> dropped = new HashSet<>();
        Function<String, @Nullable Map<WindowSlot, Sum>> bounded = account -> {
            if (sums.containsKey(account) || sums.size() < maxKeys) {
                return sums.computeIfAbsent(account, a -> new HashMap<>());
            }
            // beyond the store's bound: not loaded, and marked so that the account is rebuilt when it returns
            store.markEvicted(account);
            if (dropped.size() < maxKeys) {
                // bounded by the same maxKeys: only counted, never grows past it
                dropped.add(account);
            }
            return null;
        };
        OpenDays open = OpenDays.of(windows, clock.instant(), zone);
        if (open == null) {
            return new Result(0, 0, 0, 0, 0);
        }
        Shipped shipped = Shipped.NONE;
        if (fleet != null) {
            // the fleet's sums and this replica's lines are counted in the same window instances
            shipped = fleet.forEach(open.slots(), cell -> {
                List<String> accounts = new ArrayList<>();
                accounts.add(cell.key());
                if (scopes.any()) {
                    scopes.others(cell.user(), cell.tags(), cell.pricedAs()).forEach(sc -> accounts.add(sc.account()));
                }
                for (String account : accounts) {
                    Map<WindowSlot, Sum> bySlot = bounded.apply(account);
                    if (bySlot != null) {
                        bySlot.computeIfAbsent(cell.slot(), x -> new Sum()).add(cell.usd(), cell.tokens());
                    }
                }
            });
        }
        UsageLogReader.Summary s = shipped.day() == null
                ? scan(open, scopes, false, (account, call) -> bounded.apply(account))
                : scanAfter(shipped, open, scopes, (account, call) -> bounded.apply(account));
        sums.forEach((key, byslot) -> byslot.forEach((slot, sum) -> store.load(key, slot, sum.usd, sum.tokens)));
        return new Result(s.files(), s.records(), s.malformedLines(), sums.size(), dropped.size());
    }

    /**
     * The spend of every replica by window instance and attribution (the database of {@code log.store}: issue 20).
     */
    public interface FleetSpend {
        /**
         * Hands over each window instance's spend per key, user, tags and priced model, and says where this
         * replica's lines in those sums end, read in the same snapshot of the database; blocking.
         */
        Shipped forEach(List<WindowSlot> slots, Consumer<CellSpend> sink) throws IOException;
    }

    /**
     * The last line of this replica's log the database holds: its day file and where the line starts in it
     * (uncompressed bytes). The replica ships day by day in order, so every line before it is held too, and none
     * after it. {@link #NONE}: no line of this replica is held.
     */
    public record Shipped(@Nullable LocalDate day, long lineOffset) {
        public static final Shipped NONE = new Shipped(null, -1);
    }

    /** One window instance's spend of one attribution, summed over the fleet. */
    public record CellSpend(WindowSlot slot, String key, @Nullable String user, Map<String, String> tags,
            @Nullable String pricedAs, BigDecimal usd, long tokens) {
    }

    /**
     * The instances of the windows open at {@code now} and the log's days they span: from the UTC day of the oldest
     * one's start (records sit in the file of their ts's UTC date) to tomorrow's (a clock a little ahead may have
     * written it). Null when no window is open.
     */
    private record OpenDays(List<WindowSlot> slots, LocalDate firstDay, LocalDate lastDay) {
        static @Nullable OpenDays of(Set<BudgetWindow> windows, Instant now, ZoneId zone) {
            List<WindowSlot> slots = new ArrayList<>();
            for (BudgetWindow w : windows) {
                slots.add(BudgetWindows.slot(w, now, zone));
            }
            Instant earliest = WindowSlot.earliestStart(slots);
            return earliest == null ? null : new OpenDays(slots, LocalDate.ofInstant(earliest, ZoneOffset.UTC),
                    LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1));
        }
    }

    /**
     * The spend in the open windows of only {@code accounts} (scope accounts, {@link BudgetScope#account()}), for
     * an account that returns after the store dropped it ({@link LocalBudgetStore}): the same scan as the start-up
     * rebuild, leaving out each call that {@code counted} says the store has counted already (by account and
     * request id). Blocking file I/O: never on an event loop.
     */
    public Map<String, Map<WindowSlot, Spend>> spendOf(Set<String> accounts, Set<BudgetWindow> windows,
            BudgetScopes scopes, BiPredicate<String, String> counted) throws IOException {
        Map<String, Map<WindowSlot, Sum>> sums = new HashMap<>();
        OpenDays open = OpenDays.of(windows, clock.instant(), zone);
        if (open == null) {
            return new HashMap<>();
        }
        scan(open, scopes, true, (account, call) -> {
            String id = call.requestId();
            if (!accounts.contains(account) || (id != null && counted.test(account, id))) {
                return null;
            }
            return sums.computeIfAbsent(account, a -> new HashMap<>());
        });
        Map<String, Map<WindowSlot, Spend>> out = new HashMap<>();
        sums.forEach((account, bySlot) -> {
            Map<WindowSlot, Spend> spend = new HashMap<>();
            bySlot.forEach((slot, sum) -> spend.put(slot, new Spend(sum.usd, sum.tokens)));
            out.put(account, spend);
        });
        return out;
    }

    /** Spend found in the log for one account's window instance. */
    public record Spend(BigDecimal usd, long tokens) {
    }

    /**
     * Reads the days of the open windows and adds each call to the sums {@code target} gives for each of its
     * accounts (null: not counted).
     */
    private UsageLogReader.Summary scan(OpenDays open, BudgetScopes scopes, boolean requestIds,
            BiFunction<String, UsageLine, @Nullable Map<WindowSlot, Sum>> target) throws IOException {
        UsageLine.Fields fields = scopes.any() || requestIds
                ? new UsageLine.Fields(requestIds, scopes.limitsUsers(), scopes.tagNames()) : UsageLine.Fields.NONE;
        return new UsageLogReader(logDir).fields(fields).read(open.firstDay(), open.lastDay(),
                call -> count(call, scopes, open.slots(), target));
    }

    /**
     * {@link #scan} of only the lines after {@code shipped}: the rest of its day's file, then the whole files of the
     * days after it (plain, or gzipped since), as the store's shipper reads them. Rotated copies are not shipped and
     * not read here either.
     */
    private UsageLogReader.Summary scanAfter(Shipped shipped, OpenDays open, BudgetScopes scopes,
            BiFunction<String, UsageLine, @Nullable Map<WindowSlot, Sum>> target) throws IOException {
        List<WindowSlot> slots = open.slots();
        LocalDate firstDay = open.firstDay();
        LocalDate lastDay = open.lastDay();
        LocalDate boundaryDay = java.util.Objects.requireNonNull(shipped.day());
        LocalDate from = boundaryDay.isBefore(firstDay) ? firstDay : boundaryDay;
        int files = 0;
        long records = 0;
        long malformed = 0;
        Map<LocalDate, Long> malformedByDay = new HashMap<>();
        for (LocalDate day = from; !day.isAfter(lastDay); day = day.plusDays(1)) {
            boolean boundary = day.equals(boundaryDay);
            try (tollgate.metering.log.UsageLogTail tail = tollgate.metering.log.UsageLogTail.open(logDir, day,
                    boundary ? shipped.lineOffset() : 0)) {
                if (tail == null) {
                    continue;
                }
                files++;
                for (UsageLine call; (call = tail.next()) != null; ) {
                    if (boundary && tail.lineOffset() == shipped.lineOffset()) {
                        continue; // the last line the database holds
                    }
                    records++;
                    count(call, scopes, slots, target);
                }
                if (tail.malformed() > 0) {
                    malformed += tail.malformed();
                    malformedByDay.put(day, tail.malformed());
                }
            }
        }
        return new UsageLogReader.Summary(files, records, malformed, 0, malformedByDay);
    }

    /** One call added to the sums of its key and of every other scope it counts in. */
    private static void count(UsageLine call, BudgetScopes scopes, List<WindowSlot> slots,
            BiFunction<String, UsageLine, @Nullable Map<WindowSlot, Sum>> target) {
        add(target.apply(call.key(), call), call, slots);
        if (scopes.any()) {
            for (BudgetScope scope : scopes.others(call.user(), call.tags(), call.pricedAs())) {
                add(target.apply(scope.account(), call), call, slots);
            }
        }
    }

    private static void add(@Nullable Map<WindowSlot, Sum> bySlot, UsageLine call, List<WindowSlot> slots) {
        if (bySlot == null) {
            return;
        }
        Instant ts = call.ts();
        for (WindowSlot slot : slots) {
            if (ts.isBefore(slot.start()) || slot.endedBy(ts)) {
                continue;
            }
            BigDecimal usd = call.costUsd();
            bySlot.computeIfAbsent(slot, x -> new Sum()).add(usd == null ? BigDecimal.ZERO : usd, call.totalTokens());
        }
    }

    private static final class Sum {
        private BigDecimal usd = BigDecimal.ZERO;
        private long tokens;

        void add(BigDecimal more, long moreTokens) {
            usd = usd.add(more);
            tokens += moreTokens;
        }
    }
}

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
 * into a {@link LocalBudgetStore}. Blocking file I/O: run it before the server accepts calls. (The Redis store
 * keeps its counters in Redis and needs none.)
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
     * @param droppedKeys keys beyond {@code maxKeys}, whose spend was not loaded
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
        Instant now = clock.instant();
        List<WindowSlot> slots = new ArrayList<>();
        Instant earliest = now;
        for (BudgetWindow w : windows) {
            WindowSlot slot = BudgetWindows.slot(w, now, zone);
            slots.add(slot);
            earliest = slot.start().isBefore(earliest) ? slot.start() : earliest;
        }
        if (slots.isEmpty()) {
            return new Result(0, 0, 0, 0, 0);
        }
        Map<String, Map<WindowSlot, Sum>> sums = new HashMap<>();
        Set<String> droppedKeys = new HashSet<>();
        // records sit in the file of their ts's UTC date; a clock a little ahead may have written tomorrow's
        LocalDate firstDay = LocalDate.ofInstant(earliest, ZoneOffset.UTC);
        LocalDate lastDay = LocalDate.ofInstant(now, ZoneOffset.UTC).plusDays(1);
        UsageLine.Fields fields = scopes.any()
                ? new UsageLine.Fields(false, scopes.limitsUsers(), scopes.tagNames()) : UsageLine.Fields.NONE;
        UsageLogReader.Summary s = new UsageLogReader(logDir).fields(fields).read(firstDay, lastDay, call -> {
            add(call.key(), call, slots, sums, droppedKeys, maxKeys);
            if (scopes.any()) {
                for (BudgetScope scope : scopes.others(call.user(), call.tags(), call.pricedAs())) {
                    add(scope.account(), call, slots, sums, droppedKeys, maxKeys);
                }
            }
        });
        sums.forEach((key, byslot) -> byslot.forEach((slot, sum) -> store.load(key, slot, sum.usd, sum.tokens)));
        return new Result(s.files(), s.records(), s.malformedLines(), sums.size(), droppedKeys.size());
    }

    private static void add(String account, UsageLine call, List<WindowSlot> slots,
            Map<String, Map<WindowSlot, Sum>> sums, Set<String> droppedKeys, int maxKeys) {
        Instant ts = call.ts();
        for (WindowSlot slot : slots) {
            if (ts.isBefore(slot.start()) || slot.endedBy(ts)) {
                continue;
            }
            Map<WindowSlot, Sum> bySlot = sums.get(account);
            if (bySlot == null) {
                if (sums.size() >= maxKeys) {
                    // bounded by the same maxKeys: only counted, never grows past it
                    if (droppedKeys.size() < maxKeys) {
                        droppedKeys.add(account);
                    }
                    return;
                }
                bySlot = new HashMap<>();
                sums.put(account, bySlot);
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

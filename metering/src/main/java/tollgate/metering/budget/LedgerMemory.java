package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * What the ledger remembers between calls, bounded because key ids, users and tag values come from client input:
 * the budgets of scope members seen since start-up (for the admin rows) and each key's windows as last counted (for gauges, read without I/O).
 */
final class LedgerMemory {

    private final Cache<BudgetScope, Seen> seen;
    /** Per key, its windows: set in place, so a call reads the cache, never writes it. */
    private final Cache<String, Known> lastKnown;

    LedgerMemory(int maxKeys) {
        // an entry that leaves a cache (dropped, replaced) is marked so, so a scope that kept it asks the cache again
        this.seen = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run)
                .<BudgetScope, Seen>removalListener((k, v, cause) -> {
                    if (v != null) {
                        v.live = false;
                    }
                }).build();
        this.lastKnown = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run)
                .<String, Known>removalListener((k, v, cause) -> {
                    if (v != null) {
                        v.live = false;
                    }
                }).build();
    }

    /**
     * Remembers that a call counted in {@code scope} under {@code budget}. A scope that a call of its member used
     * before ({@link ScopeMemo}) keeps its entry, so most calls read no cache here (bench/RESULTS.md, session 7:
     * this read was ~3 % of the event loops' time). Being read less, an entry of a busy member may leave the cache
     * sooner beyond its bound; it is put back by that member's next call.
     */
    void seen(BudgetScope scope, KeyBudget budget) {
        Seen mark = scope.seen;
        if (mark != null && mark.memory == this && mark.live && same(mark.budget, budget)) {
            return;
        }
        // a read is far cheaper than a write (no write buffer, no eviction work)
        Seen known = seen.getIfPresent(scope);
        if (known == null || !same(known.budget, budget)) {
            known = new Seen(this, budget);
            seen.put(scope, known);
        }
        scope.seen = known;
    }

    /** Keeps a key's window as just counted, for gauges; the key's scope keeps its entry as {@link #seen} does. */
    void remember(BudgetScope key, WindowState state) {
        Known known = key.known;
        if (known == null || known.memory != this || !known.live) {
            known = lastKnown.getIfPresent(key.name());
            if (known == null) {
                known = lastKnown.get(key.name(), k -> new Known(this));
            }
            key.known = known;
        }
        known.windows.set(state.window().ordinal(), state);
    }

    @Nullable WindowState lastKnown(String keyId, BudgetWindow window) {
        Known known = lastKnown.getIfPresent(keyId);
        return known == null ? null : known.windows.get(window.ordinal());
    }

    /** {@link #lastKnown(String, BudgetWindow)} of a key's scope, read through the entry it keeps when it has one. */
    @Nullable WindowState lastKnown(BudgetScope key, BudgetWindow window) {
        Known known = key.known;
        if (known != null && known.memory == this && known.live) {
            return known.windows.get(window.ordinal());
        }
        return lastKnown(key.name(), window);
    }

    /**
     * Seen scope members overlaid with the configured ones (whose budgets are current), in scope order (keys,
     * users, tag values, models, global), then by name.
     */
    Map<BudgetScope, KeyBudget> merged(Map<BudgetScope, KeyBudget> configured) {
        TreeMap<BudgetScope, KeyBudget> all = new TreeMap<>(ORDER);
        seen.asMap().forEach((scope, s) -> all.put(scope, s.budget));
        all.putAll(configured);
        return all;
    }

    /** Applies the bounds now (tests): Caffeine may otherwise drop entries beyond them a little later. */
    void cleanUp() {
        seen.cleanUp();
        lastKnown.cleanUp();
    }

    private static final java.util.Comparator<BudgetScope> ORDER =
            java.util.Comparator.comparing(BudgetScope::kind).thenComparing(BudgetScope::name);

    private static final int WINDOWS = BudgetWindow.values().length;

    private static boolean same(KeyBudget a, KeyBudget b) {
        return a == b || a.equals(b);
    }

    /** A member's entry among those seen: the budget it was counted under; live while the cache keeps it. */
    static final class Seen {
        private final LedgerMemory memory;
        private final KeyBudget budget;
        private volatile boolean live = true;

        Seen(LedgerMemory memory, KeyBudget budget) {
            this.memory = memory;
            this.budget = budget;
        }
    }

    /** A key's windows by {@link BudgetWindow#ordinal()} as last counted; live while the cache keeps them. */
    static final class Known {
        private final LedgerMemory memory;
        private final AtomicReferenceArray<WindowState> windows = new AtomicReferenceArray<>(WINDOWS);
        private volatile boolean live = true;

        Known(LedgerMemory memory) {
            this.memory = memory;
        }
    }
}

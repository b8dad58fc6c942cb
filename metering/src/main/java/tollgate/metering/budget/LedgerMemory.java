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

    private final Cache<BudgetScope, KeyBudget> seen;
    /** Per key, its windows by {@link BudgetWindow#ordinal()}: set in place, so a call reads the cache, never writes it. */
    private final Cache<String, AtomicReferenceArray<WindowState>> lastKnown;

    LedgerMemory(int maxKeys) {
        this.seen = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
        this.lastKnown = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
    }

    void seen(BudgetScope scope, KeyBudget budget) {
        // a read is far cheaper than a write (no write buffer, no eviction work): most calls come from members seen
        KeyBudget known = seen.getIfPresent(scope);
        if (known != budget && !budget.equals(known)) {
            seen.put(scope, budget);
        }
    }

    void remember(String keyId, WindowState state) {
        AtomicReferenceArray<WindowState> windows = lastKnown.getIfPresent(keyId);
        if (windows == null) {
            windows = lastKnown.get(keyId, k -> new AtomicReferenceArray<>(WINDOWS));
        }
        windows.set(state.window().ordinal(), state);
    }

    @Nullable WindowState lastKnown(String keyId, BudgetWindow window) {
        AtomicReferenceArray<WindowState> windows = lastKnown.getIfPresent(keyId);
        return windows == null ? null : windows.get(window.ordinal());
    }

    /**
     * Seen scope members overlaid with the configured ones (whose budgets are current), in scope order (keys,
     * users, tag values, models, global), then by name.
     */
    Map<BudgetScope, KeyBudget> merged(Map<BudgetScope, KeyBudget> configured) {
        TreeMap<BudgetScope, KeyBudget> all = new TreeMap<>(ORDER);
        all.putAll(seen.asMap());
        all.putAll(configured);
        return all;
    }

    private static final java.util.Comparator<BudgetScope> ORDER =
            java.util.Comparator.comparing(BudgetScope::kind).thenComparing(BudgetScope::name);

    private static final int WINDOWS = BudgetWindow.values().length;
}

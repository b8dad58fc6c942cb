package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * What the ledger remembers between calls, bounded because key ids, users and tag values come from client input:
 * the budgets of scope members seen since start-up (for the admin rows) and each key's windows as last counted (for gauges, read without I/O).
 */
final class LedgerMemory {

    private final Cache<BudgetScope, KeyBudget> seen;
    private final Cache<StateKey, WindowState> lastKnown;

    LedgerMemory(int maxKeys) {
        this.seen = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
        this.lastKnown = Caffeine.newBuilder().maximumSize((long) maxKeys * BudgetWindow.values().length)
                .executor(Runnable::run).build();
    }

    void seen(BudgetScope scope, KeyBudget budget) {
        // a read is far cheaper than a write (no write buffer, no eviction work): most calls come from members seen
        if (seen.getIfPresent(scope) != budget) {
            seen.put(scope, budget);
        }
    }

    void remember(String keyId, WindowState state) {
        lastKnown.put(new StateKey(keyId, state.window()), state);
    }

    @Nullable WindowState lastKnown(String keyId, BudgetWindow window) {
        return lastKnown.getIfPresent(new StateKey(keyId, window));
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

    private record StateKey(String keyId, BudgetWindow window) {
    }
}

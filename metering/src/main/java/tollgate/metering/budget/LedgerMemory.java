package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * What the ledger remembers between calls, bounded because key ids come from client input: the budgets of keys
 * seen since start-up (for the admin rows) and each key's windows as last counted (for gauges, read without I/O).
 */
final class LedgerMemory {

    private final Cache<String, KeyBudget> seen;
    private final Cache<StateKey, WindowState> lastKnown;

    LedgerMemory(int maxKeys) {
        this.seen = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
        this.lastKnown = Caffeine.newBuilder().maximumSize((long) maxKeys * BudgetWindow.values().length)
                .executor(Runnable::run).build();
    }

    void seen(String keyId, KeyBudget budget) {
        seen.put(keyId, budget);
    }

    void remember(String keyId, WindowState state) {
        lastKnown.put(new StateKey(keyId, state.window()), state);
    }

    @Nullable WindowState lastKnown(String keyId, BudgetWindow window) {
        return lastKnown.getIfPresent(new StateKey(keyId, window));
    }

    /** Seen keys overlaid with the configured ones (whose budgets are current), sorted by key id. */
    Map<String, KeyBudget> merged(Map<String, KeyBudget> configured) {
        TreeMap<String, KeyBudget> all = new TreeMap<>(seen.asMap());
        all.putAll(configured);
        return all;
    }

    private record StateKey(String keyId, BudgetWindow window) {
    }
}

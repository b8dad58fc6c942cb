package tollgate.config;

import java.net.URI;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Budget enforcement settings (SPEC 7 and 11).
 *
 * @param redisUri null for the in-process store ({@code store: local})
 * @param defaults {@code budgets.default}: of each key without its own
 * @param global {@code budgets.global}: all traffic together
 * @param users {@code budgets.users}: of each end user
 * @param tags {@code budgets.tags}: by tag name, of each value of that tag
 * @param models {@code budgets.models}: by priced model name, all keys together
 */
public record BudgetsConfig(
        BudgetMode mode,
        ZoneId timezone,
        @Nullable URI redisUri,
        StoreFailurePolicy onStoreFailure,
        List<BudgetLimit> defaults,
        UnpricedPolicy unpriced,
        List<BudgetLimit> global,
        ScopeBudgets users,
        Map<String, ScopeBudgets> tags,
        Map<String, List<BudgetLimit>> models) {

    public static final BudgetsConfig DEFAULT =
            new BudgetsConfig(BudgetMode.RESERVE, ZoneOffset.UTC, null, StoreFailurePolicy.ALLOW, List.of());

    public BudgetsConfig {
        defaults = List.copyOf(defaults);
        global = List.copyOf(global);
        tags = Collections.unmodifiableMap(new TreeMap<>(tags));
        TreeMap<String, List<BudgetLimit>> m = new TreeMap<>();
        models.forEach((name, limits) -> m.put(name, List.copyOf(limits)));
        models = Collections.unmodifiableMap(m);
    }

    public BudgetsConfig(BudgetMode mode, ZoneId timezone, @Nullable URI redisUri, StoreFailurePolicy onStoreFailure,
                         List<BudgetLimit> defaults, UnpricedPolicy unpriced) {
        this(mode, timezone, redisUri, onStoreFailure, defaults, unpriced, List.of(), ScopeBudgets.NONE, Map.of(),
                Map.of());
    }

    public BudgetsConfig(BudgetMode mode, ZoneId timezone, @Nullable URI redisUri, StoreFailurePolicy onStoreFailure,
                         List<BudgetLimit> defaults) {
        this(mode, timezone, redisUri, onStoreFailure, defaults, UnpricedPolicy.DENY);
    }

    /** Every limit of every scope, configured or default (to find the windows in use). */
    public List<BudgetLimit> allLimits() {
        List<BudgetLimit> all = new ArrayList<>(defaults);
        all.addAll(global);
        all.addAll(users.defaults());
        users.overrides().values().forEach(all::addAll);
        for (ScopeBudgets t : tags.values()) {
            all.addAll(t.defaults());
            t.overrides().values().forEach(all::addAll);
        }
        models.values().forEach(all::addAll);
        return all;
    }
}

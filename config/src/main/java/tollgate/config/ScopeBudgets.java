package tollgate.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Budgets of a scope with many members (SPEC 11): end users, or the values of one tag. Every member gets
 * {@code defaults} unless {@code overrides} names it.
 *
 * @param defaults limits of a member not named in {@code overrides}; empty: only named members are limited
 * @param overrides limits by member (user id, tag value), sorted by name
 */
public record ScopeBudgets(List<BudgetLimit> defaults, Map<String, List<BudgetLimit>> overrides) {

    public static final ScopeBudgets NONE = new ScopeBudgets(List.of(), Map.of());

    public ScopeBudgets {
        defaults = List.copyOf(defaults);
        TreeMap<String, List<BudgetLimit>> sorted = new TreeMap<>();
        overrides.forEach((name, limits) -> {
            if (name.isEmpty()) {
                throw new IllegalArgumentException("overrides: an empty name (expected: a user id or tag value)");
            }
            sorted.put(name, List.copyOf(limits));
        });
        overrides = Collections.unmodifiableMap(sorted);
    }

    /** The limits of one member: its override, else the defaults. */
    public List<BudgetLimit> of(String member) {
        List<BudgetLimit> own = overrides.get(member);
        return own != null ? own : defaults;
    }

    public boolean isEmpty() {
        return defaults.isEmpty() && overrides.isEmpty();
    }
}

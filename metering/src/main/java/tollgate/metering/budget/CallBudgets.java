package tollgate.metering.budget;

import java.util.ArrayList;
import java.util.List;

/**
 * Every budget one call must fit (SPEC 11): its key's, its user's, its tag values', its model's and the global
 * one, in that order. Scopes without limits are left out. One reservation covers them all.
 *
 * @param keyId the key that pays for the call, whether or not it has a budget of its own
 */
public record CallBudgets(String keyId, List<Scoped> scopes) {

    public static final CallBudgets NONE = new CallBudgets("", List.of());

    /** One scope's budget. */
    public record Scoped(BudgetScope scope, KeyBudget budget) {
    }

    public CallBudgets {
        boolean anyEmpty = false;
        for (Scoped s : scopes) {
            anyEmpty |= s.budget().isEmpty();
        }
        if (anyEmpty) {
            List<Scoped> kept = new ArrayList<>(scopes.size());
            for (Scoped s : scopes) {
                if (!s.budget().isEmpty()) {
                    kept.add(s);
                }
            }
            scopes = kept;
        }
        scopes = List.copyOf(scopes);
    }

    /** Only a key's budget (as before scopes). */
    public static CallBudgets ofKey(String keyId, KeyBudget budget) {
        return new CallBudgets(keyId, List.of(new Scoped(BudgetScope.key(keyId), budget)));
    }

    public boolean isEmpty() {
        return scopes.isEmpty();
    }

    /** The key scope's budget, or {@link KeyBudget#NONE}. */
    public KeyBudget keyBudget() {
        for (Scoped s : scopes) {
            if (s.scope().kind() == BudgetScope.Kind.KEY) {
                return s.budget();
            }
        }
        return KeyBudget.NONE;
    }

    /** The store account that keeps the call's hold: its first scope's. */
    String anchor() {
        return scopes.isEmpty() ? "" : scopes.get(0).scope().account();
    }
}

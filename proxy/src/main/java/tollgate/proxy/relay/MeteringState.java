package tollgate.proxy.relay;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.config.KeyConfig;
import tollgate.config.TollgateConfig;
import tollgate.metering.budget.BudgetScopes;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.CallRates;
import tollgate.metering.budget.KeyBudget;
import tollgate.metering.key.KeyIdentity;
import tollgate.metering.key.KeyRegistry;
import tollgate.metering.pricing.PricingTable;

/**
 * Everything a call is metered against that a reload may replace (keys, budgets of every scope, prices), swapped as one
 * immutable value so a call sees one consistent version.
 */
public record MeteringState(TollgateConfig config, KeyRegistry keys, PricingTable pricing, Map<String, KeyBudget> budgets,
                            BudgetScopes scopes, KeyBudget unconfiguredKeys) {

    public static MeteringState of(TollgateConfig config, PricingTable pricing, Map<String, String> env) {
        Map<String, KeyBudget> budgets = new HashMap<>();
        for (KeyConfig k : config.keys()) {
            budgets.put(k.name(), KeyBudget.of(k, config.budgets()));
        }
        // one budget object for every key that config does not name, built once: a call compares it by identity
        // (the ledger's memory of seen members rewrote its cache entry when each call brought a new, equal one)
        KeyBudget unconfigured = config.budgets().defaults().isEmpty() ? KeyBudget.NONE : KeyBudget.defaults(config.budgets());
        return new MeteringState(config, new KeyRegistry(config.keys(), env), pricing, Map.copyOf(budgets),
                new BudgetScopes(config.budgets()), unconfigured);
    }

    /**
     * Every budget a call must fit (SPEC 11): its key's, its user's, its tag values', its model's, the global one.
     *
     * @param pricedModel the priced name of the call's model, null when unpriced
     */
    public CallBudgets budgetsOf(String keyId, @Nullable String user, Map<String, String> tags,
                                 @Nullable String pricedModel) {
        return scopes.of(keyId, budgetOf(keyId), user, tags, pricedModel);
    }

    /** Every rate limit a call must fit (SPEC 11): its key's, its user's, the global one. */
    public CallRates ratesOf(String keyId, @Nullable String user) {
        return CallRates.of(config.rateLimits(), keyId, user);
    }

    /** The budget of a key: its own, else {@code budgets.default}. */
    public KeyBudget budgetOf(KeyIdentity id) {
        return budgetOf(id.id());
    }

    /** The budget of the key logged as {@code keyId}: its own, else {@code budgets.default}. */
    public KeyBudget budgetOf(String keyId) {
        KeyBudget own = budgets.get(keyId);
        return own != null ? own : unconfiguredKeys;
    }
}

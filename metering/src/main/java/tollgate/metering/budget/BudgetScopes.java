package tollgate.metering.budget;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetsConfig;
import tollgate.config.ScopeBudgets;

/**
 * Which budgets beyond its key's a call must fit (SPEC 11), from {@code budgets.users}, {@code budgets.tags},
 * {@code budgets.models} and {@code budgets.global}: one rule for the gate, the ledger rebuild and the recovery of
 * journaled holds. Budgets are built once per config, and the scopes of keys, users and tag values that calls
 * named lately are kept ({@link ScopeMemo}), so a call allocates little more than its list of scopes.
 *
 * <p>A user or tag value seen for the first time gets its default budget at once; an empty user or tag value is
 * no user or value (SPEC 11, bad input).
 */
public final class BudgetScopes {

    public static final BudgetScopes NONE = new BudgetScopes(BudgetsConfig.DEFAULT);

    private final Members users;
    private final Map<String, Members> tags;
    private final Map<String, KeyBudget> models;
    /** Of {@link #models} and {@link #global}, the scopes a call adds as they are (built once, not per call). */
    private final Map<String, CallBudgets.Scoped> modelScopes;
    private final CallBudgets.@Nullable Scoped globalScope;
    private final KeyBudget global;
    private final boolean any;
    /** The key scopes of calls lately (made only when some other scope is configured: else a call has its key's alone). */
    private final @Nullable ScopeMemo keys;

    public BudgetScopes(BudgetsConfig config) {
        this.users = new Members(config.users(), BudgetScope.Kind.USER, "", USER_SLOTS);
        // sorted by tag name, so every call lists its tag scopes in one order
        TreeMap<String, Members> t = new TreeMap<>();
        config.tags().forEach((name, budgets) -> t.put(name, new Members(budgets, BudgetScope.Kind.TAG, name + "=",
                TAG_VALUE_SLOTS)));
        this.tags = Collections.unmodifiableSortedMap(t);
        Map<String, KeyBudget> m = new HashMap<>();
        config.models().forEach((name, limits) -> m.put(name, KeyBudget.of(limits)));
        this.models = Map.copyOf(m);
        Map<String, CallBudgets.Scoped> ms = new HashMap<>();
        models.forEach((name, b) -> {
            if (!b.isEmpty()) {
                ms.put(name, new CallBudgets.Scoped(BudgetScope.model(name), b));
            }
        });
        this.modelScopes = Map.copyOf(ms);
        this.global = KeyBudget.of(config.global());
        this.globalScope = global.isEmpty() ? null : new CallBudgets.Scoped(BudgetScope.GLOBAL, global);
        this.any = !users.isEmpty() || !tags.isEmpty() || !models.isEmpty() || !global.isEmpty();
        this.keys = any ? new ScopeMemo(BudgetScope.Kind.KEY, "", KEY_SLOTS) : null;
    }

    /*
     * Slots of the memos of scopes (bounded tables; a member beyond them gets its scope built again): 10,000 users
     * taken in turn, as bench/tollgate-scopes.yaml's, find ~96 % of their scopes in 2^16 slots (~87 % in 2^15, where
     * three users of one pair miss every time). Full, the table holds 2^16 entries: ~11 MB of 10-character ids, ~26 MB
     * of 128-character ones, the longest kept.
     */
    static final int USER_SLOTS = 1 << 16;
    static final int TAG_VALUE_SLOTS = 1 << 10;
    static final int KEY_SLOTS = 1 << 10;

    /**
     * The budgets of a call: its key's first (the hold lives there, as before scopes), then its user's, its tag
     * values', its model's and the global one; scopes without limits are left out.
     *
     * @param pricedModel the priced name of the call's model (null when unpriced)
     */
    public CallBudgets of(String keyId, KeyBudget key, @Nullable String user, Map<String, String> callTags,
            @Nullable String pricedModel) {
        if (!any) {
            // no scope but keys configured: no look-ups, the key alone as before scopes
            return key.isEmpty() ? CallBudgets.NONE : CallBudgets.ofKey(keyId, key);
        }
        // key, user, a tag or two, model, global
        List<CallBudgets.Scoped> scopes = new ArrayList<>(6);
        if (!key.isEmpty() && keys != null) {
            scopes.add(keys.of(keyId, key));
        }
        others(user, callTags, pricedModel, scopes);
        return new CallBudgets(keyId, scopes);
    }

    /** The scopes other than the key's that limit a call like this one (for the rebuild from the log). */
    public List<BudgetScope> others(@Nullable String user, Map<String, String> callTags, @Nullable String pricedModel) {
        List<CallBudgets.Scoped> scopes = new ArrayList<>(2);
        others(user, callTags, pricedModel, scopes);
        List<BudgetScope> out = new ArrayList<>(scopes.size());
        scopes.forEach(s -> out.add(s.scope()));
        return out;
    }

    /**
     * The members named in the config (SPEC 11): user and tag-value overrides, models and global, with their
     * budgets (for {@code GET /admin/budgets}, which lists them before any call counts in them).
     */
    public Map<BudgetScope, KeyBudget> named() {
        Map<BudgetScope, KeyBudget> out = new HashMap<>();
        users.overrides.forEach((u, b) -> out.put(BudgetScope.user(u), b));
        tags.forEach((name, members) -> members.overrides.forEach((v, b) -> out.put(BudgetScope.tag(name, v), b)));
        models.forEach((m, b) -> out.put(BudgetScope.model(m), b));
        if (!global.isEmpty()) {
            out.put(BudgetScope.GLOBAL, global);
        }
        out.values().removeIf(KeyBudget::isEmpty);
        return out;
    }

    /** An end user's budget: the override, else the default (empty when users have none). */
    public KeyBudget user(String user) {
        return users.of(user);
    }

    /** True when some scope other than keys is configured (the rebuild then reads users, tags and models too). */
    public boolean any() {
        return any;
    }

    /** Whether the rebuild must keep the {@code user} of each line. */
    public boolean limitsUsers() {
        return !users.isEmpty();
    }

    /** The tag names whose values have budgets. */
    public Set<String> tagNames() {
        return tags.keySet();
    }

    private void others(@Nullable String user, Map<String, String> callTags, @Nullable String pricedModel,
            List<CallBudgets.Scoped> out) {
        if (user != null && !user.isEmpty()) {
            KeyBudget b = users.of(user);
            if (!b.isEmpty()) {
                out.add(users.scoped(user, b));
            }
        }
        if (!tags.isEmpty() && !callTags.isEmpty()) {
            for (Map.Entry<String, Members> t : tags.entrySet()) {
                String value = callTags.get(t.getKey());
                if (value != null && !value.isEmpty()) {
                    Members members = t.getValue();
                    KeyBudget b = members.of(value);
                    if (!b.isEmpty()) {
                        out.add(members.scoped(value, b));
                    }
                }
            }
        }
        if (pricedModel != null) {
            CallBudgets.Scoped m = modelScopes.get(pricedModel);
            if (m != null) {
                out.add(m);
            }
        }
        if (globalScope != null) {
            out.add(globalScope);
        }
    }

    /** Default and overridden budgets of one kind of member, built once, and the scopes of members seen lately. */
    private static final class Members {
        private final KeyBudget defaults;
        private final Map<String, KeyBudget> overrides;
        private final @Nullable ScopeMemo memo;

        Members(ScopeBudgets config, BudgetScope.Kind kind, String prefix, int slots) {
            this.defaults = KeyBudget.of(config.defaults());
            Map<String, KeyBudget> o = new HashMap<>();
            config.overrides().forEach((name, limits) -> o.put(name, KeyBudget.of(limits)));
            this.overrides = Map.copyOf(o);
            this.memo = isEmpty() ? null : new ScopeMemo(kind, prefix, slots);
        }

        /** The scope of {@code member}, whose budget is {@code budget} ({@link #of}, not empty: so the memo is made). */
        CallBudgets.Scoped scoped(String member, KeyBudget budget) {
            return Objects.requireNonNull(memo, "memo").of(member, budget);
        }

        KeyBudget of(String member) {
            KeyBudget own = overrides.get(member);
            return own != null ? own : defaults;
        }

        boolean isEmpty() {
            return defaults.isEmpty() && overrides.isEmpty();
        }
    }
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.StoreFailurePolicy;

/**
 * Enforces budgets of every scope (SPEC 7, 11: key, user, tag value, model, global): reserves a call's worst case
 * in all the scopes it must fit before it is forwarded, settles it to the real cost when it ends, and raises
 * alerts as spend crosses each scope's fractions. Every method returns at once with a
 * future (complete already for the local store), so it may be called from an event loop; limits come with each
 * call, so a config reload loses nothing.
 *
 * <pre>
 * reserve(budgets, worst) ──allowed──▶ forward ──▶ settle(reservation, cost) | release(reservation)
 *                          └─refused──▶ 429 budget_exceeded (scope, message, Retry-After, x-tollgate-budget-*)
 * </pre>
 *
 * <p>Futures complete on the thread that completed the store's operation: the caller's for the local store, a
 * Lettuce I/O thread for Redis. A Netty handler continues on its own event loop ({@code ctx.executor()}).
 *
 * <p>A call that ends after one of its windows rolled over is charged to the window instance current at its end,
 * the same instance its usage-log line (stamped when the call ends) is counted in by {@link LedgerRebuild}; its
 * hold is released from the instance it was taken in.
 */
public final class BudgetLedger {

    private final LedgerSettings settings;
    private final Shared shared;
    private final BudgetStore store;
    private final BudgetEvents events;
    private final LedgerMemory memory;

    private BudgetLedger(LedgerSettings settings, Shared shared) {
        this.settings = settings;
        this.shared = shared;
        this.store = shared.store();
        this.events = shared.events();
        this.memory = shared.memory();
    }

    /** A ledger over {@code store}; {@code webhook} may be null. */
    public static BudgetLedger create(BudgetStore store, BudgetsConfig config, Clock clock, BudgetEvents events,
            @Nullable BudgetAlertWebhook webhook) {
        return create(store, LedgerSettings.of(config, clock), events, webhook);
    }

    public static BudgetLedger create(BudgetStore store, LedgerSettings settings, BudgetEvents events,
            @Nullable BudgetAlertWebhook webhook) {
        LedgerMemory memory = new LedgerMemory(settings.maxTrackedKeys());
        return new BudgetLedger(settings,
                new Shared(store, events, webhook, memory, IdSequence.random(), new StoreFailureReporter()));
    }

    /** The same store, events and memory under a reloaded {@code budgets:} section (mode, time zone, policy). */
    public BudgetLedger withConfig(BudgetsConfig config) {
        return new BudgetLedger(new LedgerSettings(config.mode(), config.timezone(), config.onStoreFailure(),
                settings.clock(), settings.holdTtl(), settings.maxTrackedKeys()), shared);
    }

    public LedgerSettings settings() {
        return settings;
    }

    public BudgetStore store() {
        return store;
    }

    /** {@link #reserve(String, KeyBudget, BigDecimal, long)} with the default alert fractions. */
    public CompletableFuture<BudgetDecision> reserve(String keyId, List<BudgetLimit> limits, BigDecimal worstCaseUsd,
            long worstCaseTokens) {
        return reserve(keyId, KeyBudget.of(limits), worstCaseUsd, worstCaseTokens);
    }

    /** {@link #reserve(CallBudgets, BigDecimal, long)} of a key's budget alone. */
    public CompletableFuture<BudgetDecision> reserve(String keyId, KeyBudget budget, BigDecimal worstCaseUsd,
            long worstCaseTokens) {
        return reserve(CallBudgets.ofKey(keyId, budget), worstCaseUsd, worstCaseTokens);
    }

    /**
     * Decides whether a call may go ahead under every scope's budget at once (SPEC 11). Mode {@code reserve}:
     * refused if spent + reserved + the worst case would pass any window's USD or token limit of any scope, else
     * the worst case is reserved in every window of every scope, in one store operation. Mode {@code after}:
     * refused once spent has reached a limit; nothing is reserved.
     */
    public CompletableFuture<BudgetDecision> reserve(CallBudgets budgets, BigDecimal worstCaseUsd,
            long worstCaseTokens) {
        return reserve(budgets, worstCaseUsd, worstCaseTokens, true);
    }

    /**
     * {@link #reserve(CallBudgets, BigDecimal, long)}; with {@code reportRefusal} false a refusal is not reported as one
     * (no rejection event): the caller will ask again with a smaller, exact worst case and that answer counts.
     */
    public CompletableFuture<BudgetDecision> reserve(CallBudgets budgets, BigDecimal worstCaseUsd,
            long worstCaseTokens, boolean reportRefusal) {
        boolean hold = settings.mode() == BudgetMode.RESERVE;
        String id = shared.nextId();
        if (budgets.isEmpty()) {
            Reservation free = new Reservation(id, budgets, worstCaseUsd, worstCaseTokens, false);
            return CompletableFuture.completedFuture(BudgetDecision.allowed(free, List.of(), false));
        }
        seen(budgets);
        Instant now = settings.clock().instant();
        BudgetStore.SlotLimit[] slots = new BudgetStore.SlotLimit[slotCount(budgets)];
        int next = 0;
        for (int si = 0; si < budgets.scopes().size(); si++) { // indexed loops here: no iterators per call
            CallBudgets.Scoped s = budgets.scopes().get(si);
            for (int li = 0; li < s.budget().limits().size(); li++) {
                BudgetLimit limit = s.budget().limits().get(li);
                slots[next++] = new BudgetStore.SlotLimit(s.scope().account(), settings.slot(limit.window(), now), limit);
            }
        }
        Instant holdUntil = now.plus(settings.holdTtl());
        BudgetStore.ReserveCall call = new BudgetStore.ReserveCall(budgets.anchor(), List.of(slots), worstCaseUsd,
                worstCaseTokens, hold, id, now, holdUntil);
        return store.reserve(call).handle((reply, failure) -> {
            if (failure != null) {
                return onReserveFailure(budgets, id, worstCaseUsd, worstCaseTokens, failure);
            }
            if (reply.granted()) {
                Reservation r = new Reservation(id, budgets, worstCaseUsd, worstCaseTokens, hold);
                remember(budgets, reply.counters());
                // what the caller had when it asked: the counters without this call's own hold
                return BudgetDecision.allowed(r, budgets, reply.counters(), hold ? worstCaseUsd : null,
                        hold ? worstCaseTokens : 0);
            }
            BudgetDecision refused = BudgetDecision.refused(states(budgets, reply.counters()), worstCaseUsd,
                    worstCaseTokens, hold);
            BudgetWindow window = refused.window();
            BudgetScope scope = refused.scope();
            if (window != null && scope != null && reportRefusal) {
                notify(() -> events.onRejection(budgets.keyId(), scope, window));
            }
            return refused;
        });
    }

    /**
     * Ends an allowed call with its real cost: drops its hold and charges the cost in each window of each of its
     * scopes (in the window instance current now). Store failures are logged and reported, and the future still
     * completes normally: there is nothing left for the caller to do.
     */
    public CompletableFuture<Void> settle(Reservation reservation, BigDecimal actualUsd, long actualTokens) {
        return settle(reservation, actualUsd, actualTokens, null);
    }

    /** {@link #settle(Reservation, BigDecimal, long)} of the call logged as {@code callId} (its request id). */
    public CompletableFuture<Void> settle(Reservation reservation, BigDecimal actualUsd, long actualTokens,
            @Nullable String callId) {
        if (!reservation.end()) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "reservation: " + reservation.id() + " already settled or released (expected: end it once)"));
        }
        // its scopes were seen when it was reserved
        return charge(reservation.budgets(), reservation.held() ? reservation.id() : null, actualUsd, actualTokens,
                callId, false);
    }

    /** Ends an allowed call that cost nothing (failed before the upstream billed it): drops its hold. */
    public CompletableFuture<Void> release(Reservation reservation) {
        if (!reservation.end()) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "reservation: " + reservation.id() + " already settled or released (expected: end it once)"));
        }
        if (!reservation.held()) {
            return CompletableFuture.completedFuture(null);
        }
        BudgetStore.SettleCall call = new BudgetStore.SettleCall(reservation.budgets().anchor(), reservation.id(),
                List.of(), BigDecimal.ZERO, 0, settings.clock().instant());
        return store.settle(call).handle((counters, failure) -> {
            if (failure != null) {
                reportFailure("release", failure);
            }
            return null;
        });
    }

    /** {@link #record(String, KeyBudget, BigDecimal, long)} with the default alert fractions. */
    public CompletableFuture<Void> record(String keyId, List<BudgetLimit> limits, BigDecimal usd, long tokens) {
        return record(keyId, KeyBudget.of(limits), usd, tokens);
    }

    /** Charges a cost with no reservation, e.g. a call that was not checked first. */
    public CompletableFuture<Void> record(String keyId, KeyBudget budget, BigDecimal usd, long tokens) {
        return record(CallBudgets.ofKey(keyId, budget), usd, tokens);
    }

    /** Charges a cost with no reservation to every scope of {@code budgets} (mode {@code after}, a recovered hold). */
    public CompletableFuture<Void> record(CallBudgets budgets, BigDecimal usd, long tokens) {
        return record(budgets, usd, tokens, null);
    }

    /** {@link #record(CallBudgets, BigDecimal, long)} of the call logged as {@code callId} (its request id). */
    public CompletableFuture<Void> record(CallBudgets budgets, BigDecimal usd, long tokens, @Nullable String callId) {
        return charge(budgets, null, usd, tokens, callId, true);
    }

    /** Rows of {@code GET /admin/budgets} for every scope member the ledger has seen (bounded), in scope order. */
    public CompletableFuture<List<BudgetRow>> snapshot() {
        return snapshot(Map.of(), BudgetScopes.NONE);
    }

    /**
     * Rows of {@code GET /admin/budgets} (SPEC 11: every scope): the configured keys, users, tag values, models
     * and global with their current budgets, plus the other members seen since start-up (bounded). Fails when the
     * store cannot be read.
     */
    public CompletableFuture<List<BudgetRow>> snapshot(Map<String, KeyBudget> configuredKeys, BudgetScopes scopes) {
        Map<BudgetScope, KeyBudget> configured = new HashMap<>(scopes.named());
        configuredKeys.forEach((k, b) -> configured.put(BudgetScope.key(k), b));
        return rows(memory.merged(configured));
    }

    /** Rows of the given scope members' windows as the store counts them now, in the map's order. */
    public CompletableFuture<List<BudgetRow>> rows(Map<BudgetScope, KeyBudget> members) {
        return BudgetSnapshot.rows(members, this::states);
    }

    /** One key's windows as the store counts them now (for the key's own usage view). */
    public CompletableFuture<List<WindowState>> states(String keyId, KeyBudget budget) {
        return states(BudgetScope.key(keyId), budget);
    }

    /** One scope member's windows as the store counts them now. */
    public CompletableFuture<List<WindowState>> states(BudgetScope scope, KeyBudget budget) {
        Instant now = settings.clock().instant();
        List<WindowSlot> slots = new ArrayList<>(budget.limits().size());
        for (BudgetLimit limit : budget.limits()) {
            slots.add(settings.slot(limit.window(), now));
        }
        return store.read(scope.account(), slots, now).thenApply(counters -> {
            List<WindowState> out = new ArrayList<>(counters.size());
            for (ScopeWindow w : states(new CallBudgets(scope.kind() == BudgetScope.Kind.KEY ? scope.name() : "",
                    List.of(new CallBudgets.Scoped(scope, budget))), counters)) {
                out.add(w.state());
            }
            return out;
        });
    }

    /**
     * The key's window as last counted by any call, for gauges ({@code tollgate_budget_*_usd}): read without I/O;
     * zero spent once the window has rolled over since. Null if no call of the key used that window yet.
     */
    public @Nullable WindowState lastKnown(String keyId, BudgetWindow window) {
        return current(memory.lastKnown(keyId, window));
    }

    /** {@link #lastKnown(String, BudgetWindow)} of a key's scope (as a call's budgets name it: no cache read). */
    public @Nullable WindowState lastKnown(BudgetScope key, BudgetWindow window) {
        return current(memory.lastKnown(key, window));
    }

    private @Nullable WindowState current(@Nullable WindowState s) {
        Instant now = settings.clock().instant();
        return s == null || !s.slot().endedBy(now) ? s : s.rolledOver(now, settings.zone());
    }

    /** @param unseen true when the scopes were not seen by a reservation of this call (they are remembered now) */
    private CompletableFuture<Void> charge(CallBudgets budgets, @Nullable String holdId, BigDecimal usd, long tokens,
            @Nullable String callId, boolean unseen) {
        if (budgets.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        if (unseen) {
            seen(budgets);
        }
        Instant now = settings.clock().instant();
        BudgetStore.AccountSlot[] slots = new BudgetStore.AccountSlot[slotCount(budgets)];
        int next = 0;
        for (int si = 0; si < budgets.scopes().size(); si++) {
            CallBudgets.Scoped s = budgets.scopes().get(si);
            for (int li = 0; li < s.budget().limits().size(); li++) {
                BudgetLimit limit = s.budget().limits().get(li);
                slots[next++] = new BudgetStore.AccountSlot(s.scope().account(), settings.slot(limit.window(), now));
            }
        }
        BudgetStore.SettleCall call = new BudgetStore.SettleCall(budgets.anchor(), holdId, List.of(slots), usd, tokens,
                now, callId);
        return store.settle(call).handle((counters, failure) -> {
            if (failure != null) {
                reportFailure("settle", failure);
                return null;
            }
            remember(budgets, counters);
            int i = 0;
            for (int si = 0; si < budgets.scopes().size(); si++) {
                CallBudgets.Scoped s = budgets.scopes().get(si);
                for (int li = 0; li < s.budget().limits().size(); li++) {
                    BudgetLimit limit = s.budget().limits().get(li);
                    for (BudgetAlert alert : AlertDetector.crossed(s.scope(), limit, s.budget().alerts(),
                            counters.get(i++), usd, tokens, now)) {
                        notify(() -> events.onAlert(alert));
                        BudgetAlertWebhook webhook = shared.webhook();
                        if (webhook != null) {
                            webhook.offer(alert);
                        }
                    }
                }
            }
            return null;
        });
    }

    private BudgetDecision onReserveFailure(CallBudgets budgets, String id, BigDecimal worstUsd, long worstTokens,
            Throwable failure) {
        reportFailure("reserve", failure);
        if (settings.onStoreFailure() == StoreFailurePolicy.DENY) {
            return BudgetDecision.storeUnavailable(store.name(), worstUsd, worstTokens);
        }
        return BudgetDecision.allowed(new Reservation(id, budgets, worstUsd, worstTokens, false), List.of(), true);
    }

    /**
     * The store's counters (in slot order: scope by scope, window by window) as each scope's windows; the key's are
     * remembered for gauges.
     */
    private List<ScopeWindow> states(CallBudgets budgets, List<WindowCounter> counters) {
        remember(budgets, counters);
        return BudgetDecision.windows(budgets, counters);
    }

    private static int slotCount(CallBudgets budgets) {
        int n = 0;
        for (int si = 0; si < budgets.scopes().size(); si++) {
            CallBudgets.Scoped s = budgets.scopes().get(si);
            n += s.budget().limits().size();
        }
        return n;
    }

    /** The key scopes' windows as counted now (with any hold of the call), for gauges. */
    private void remember(CallBudgets budgets, List<WindowCounter> counters) {
        int i = 0;
        for (int si = 0; si < budgets.scopes().size(); si++) {
            CallBudgets.Scoped s = budgets.scopes().get(si);
            boolean key = s.scope().kind() == BudgetScope.Kind.KEY;
            for (int li = 0; li < s.budget().limits().size(); li++) {
                BudgetLimit limit = s.budget().limits().get(li);
                WindowCounter c = counters.get(i++);
                if (key) {
                    memory.remember(s.scope(), new WindowState(limit, c));
                }
            }
        }
    }

    /**
     * Every scope member a call counted in is remembered for the admin rows (bounded). Models and global are not:
     * only config gives them budgets, and {@link #snapshot(Map, BudgetScopes)} lists them from it (two cache reads a
     * call fewer).
     */
    private void seen(CallBudgets budgets) {
        for (int si = 0; si < budgets.scopes().size(); si++) {
            CallBudgets.Scoped s = budgets.scopes().get(si);
            BudgetScope.Kind kind = s.scope().kind();
            if (kind != BudgetScope.Kind.MODEL && kind != BudgetScope.Kind.GLOBAL) {
                memory.seen(s.scope(), s.budget());
            }
        }
    }

    private void reportFailure(String operation, Throwable failure) {
        shared.failures().report(events, store.name(), settings.onStoreFailure(), operation, failure);
    }

    private static void notify(Runnable callback) {
        StoreFailureReporter.notify(callback);
    }

    /** What every ledger made from one {@link #create} shares across reloads. */
    private record Shared(BudgetStore store, BudgetEvents events, @Nullable BudgetAlertWebhook webhook,
            LedgerMemory memory, IdSequence ids, StoreFailureReporter failures) {

        /** Unique across replicas (random prefix per process), and says nothing about the key. */
        String nextId() {
            return ids.next();
        }
    }
}

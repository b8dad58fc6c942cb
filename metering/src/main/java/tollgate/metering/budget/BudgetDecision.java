package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;

/**
 * The ledger's answer before a call is forwarded: allowed, with a {@link Reservation} to settle, or refused, with
 * what the OpenAI-shaped 429 needs (SPEC 7). The limit, spent, remaining and reset accessors describe the window
 * that refused the call, or for an allowed call the window with the least USD left (the
 * {@code x-tollgate-budget-remaining-usd} header).
 */
public final class BudgetDecision {

    /** Retry-After when the budget store could not be reached and {@code on_store_failure: deny} refused. */
    static final long STORE_RETRY_SECONDS = 5;

    private final @Nullable Reservation reservation;
    /* an allowed call's are built when first asked for (the gate reads only the tightest); a race builds equal lists */
    private @Nullable List<ScopeWindow> windows;
    private final @Nullable Counted counted;
    private final @Nullable ScopeWindow focusScope;
    private final @Nullable WindowState focus;
    /** The focus's remaining USD when already computed (an allowed call's, found while choosing it); else null. */
    private @Nullable BigDecimal focusRemaining;
    private final @Nullable String unavailableStore;
    private final boolean degraded;
    private final BigDecimal worstCaseUsd;
    private final long worstCaseTokens;
    private final boolean hold;

    private BudgetDecision(@Nullable Reservation reservation, @Nullable List<ScopeWindow> windows,
            @Nullable Counted counted, @Nullable ScopeWindow focus, @Nullable String unavailableStore,
            boolean degraded, BigDecimal worstCaseUsd, long worstCaseTokens, boolean hold) {
        this.reservation = reservation;
        this.windows = windows == null ? null : List.copyOf(windows);
        this.counted = counted;
        this.focusScope = focus;
        this.focus = focus == null ? null : focus.state();
        this.unavailableStore = unavailableStore;
        this.degraded = degraded;
        this.worstCaseUsd = worstCaseUsd;
        this.worstCaseTokens = worstCaseTokens;
        this.hold = hold;
    }

    /** @param windows as counted before this call's hold: what the caller had when it asked */
    static BudgetDecision allowed(Reservation reservation, List<ScopeWindow> windows, boolean degraded) {
        // each window's remaining USD computed once; the first of equals wins, as Stream.min would
        ScopeWindow tightest = null;
        BigDecimal least = null;
        for (ScopeWindow w : windows) {
            BigDecimal left = w.state().remainingUsd();
            if (left != null && (least == null || left.compareTo(least) < 0)) {
                tightest = w;
                least = left;
            }
        }
        return new BudgetDecision(reservation, windows, null, tightest, null, degraded, reservation.worstCaseUsd(),
                reservation.worstCaseTokens(), reservation.held());
    }

    /**
     * Allowed, with the store's counters of every window of {@code budgets} (in slot order: scope by scope, window
     * by window), each shown without the call's own hold of {@code heldUsd} and {@code heldTokens} when
     * {@code heldUsd} is not null. The tightest window is found from the counters in pico-USD, and only its state
     * is built (a call's other windows are built if {@link #windows()} is asked for).
     */
    static BudgetDecision allowed(Reservation reservation, CallBudgets budgets, List<WindowCounter> counters,
            @Nullable BigDecimal heldUsd, long heldTokens) {
        Counted counted = new Counted(budgets, counters, heldUsd,
                heldUsd == null ? Money.NO_UNITS : Money.toUnits(heldUsd), heldTokens);
        BudgetScope tightestScope = null;
        BudgetLimit tightestLimit = null;
        int tightest = -1;
        BigDecimal least = null;
        int i = 0;
        for (int si = 0; si < budgets.scopes().size(); si++) { // indexed loops: no iterators per call
            CallBudgets.Scoped s = budgets.scopes().get(si);
            for (int li = 0; li < s.budget().limits().size(); li++, i++) {
                BudgetLimit limit = s.budget().limits().get(li);
                BigDecimal usd = limit.usd();
                if (usd == null) {
                    continue;
                }
                WindowCounter c = counters.get(i);
                long used = heldUsd == null ? c.usedUnits() : c.usedUnitsLess(counted.heldUnits());
                BigDecimal left = used != Money.NO_UNITS ? WindowState.remainingUsd(usd, used)
                        : new WindowState(limit, counted.shown(c)).remainingUsd();
                // the first of equals wins, as Stream.min would
                if (least == null || left.compareTo(least) < 0) {
                    tightestScope = s.scope();
                    tightestLimit = limit;
                    tightest = i;
                    least = left;
                }
            }
        }
        ScopeWindow focus = tightest < 0 ? null
                : new ScopeWindow(tightestScope, new WindowState(tightestLimit, counted.shown(counters.get(tightest))));
        BudgetDecision d = new BudgetDecision(reservation, null, counted, focus, null, false,
                reservation.worstCaseUsd(), reservation.worstCaseTokens(), reservation.held());
        d.focusRemaining = least; // before the decision is handed on, so whoever reads it sees this
        return d;
    }

    /** Each scope's windows from the store's counters (in slot order: scope by scope, window by window). */
    static List<ScopeWindow> windows(CallBudgets budgets, List<WindowCounter> counters) {
        return new Counted(budgets, counters, null, Money.NO_UNITS, 0).windows();
    }

    /** What the store counted for an allowed call, from which its windows are built when asked for. */
    private record Counted(CallBudgets budgets, List<WindowCounter> counters, @Nullable BigDecimal heldUsd,
            long heldUnits, long heldTokens) {

        WindowCounter shown(WindowCounter c) {
            return heldUsd == null ? c : c.less(heldUsd, heldUnits, heldTokens);
        }

        List<ScopeWindow> windows() {
            ScopeWindow[] out = new ScopeWindow[counters.size()];
            int i = 0;
            for (CallBudgets.Scoped s : budgets.scopes()) {
                for (BudgetLimit limit : s.budget().limits()) {
                    out[i] = new ScopeWindow(s.scope(), new WindowState(limit, shown(counters.get(i))));
                    i++;
                }
            }
            return List.of(out);
        }
    }

    /**
     * Refused by a limit: of the windows (of any scope) that refuse, the one a wait cannot cure, else the one that
     * resets last.
     */
    static BudgetDecision refused(List<ScopeWindow> windows, BigDecimal worstCaseUsd, long worstCaseTokens,
            boolean hold) {
        ScopeWindow blocking = windows.stream().filter(w -> !w.state().admits(worstCaseUsd, worstCaseTokens, hold))
                .max(Comparator.<ScopeWindow, Boolean>comparing(
                                w -> hold && w.state().neverFits(worstCaseUsd, worstCaseTokens))
                        .thenComparing(w -> w.state().resetsAt() == null ? Instant.MAX : w.state().resetsAt()))
                .orElseThrow(() -> new IllegalArgumentException("windows: none refuses the call (expected: one)"));
        return new BudgetDecision(null, windows, null, blocking, null, false, worstCaseUsd, worstCaseTokens, hold);
    }

    static BudgetDecision storeUnavailable(String storeName, BigDecimal worstCaseUsd, long worstCaseTokens) {
        return new BudgetDecision(null, List.of(), null, null, storeName, false, worstCaseUsd, worstCaseTokens, false);
    }

    public boolean allowed() {
        return reservation != null;
    }

    /** The claim to settle or release; null when refused. */
    public @Nullable Reservation reservation() {
        return reservation;
    }

    /**
     * Every window of every scope as the store counted it for this decision (empty when the store failed); for an
     * allowed call, without its own hold.
     */
    public List<ScopeWindow> windows() {
        List<ScopeWindow> w = windows;
        if (w == null) {
            w = counted == null ? List.of() : counted.windows();
            windows = w;
        }
        return w;
    }

    /** The scope of {@link #tightest()}: the one that refused, or for an allowed call the one with least USD left. */
    public @Nullable BudgetScope scope() {
        return focusScope == null ? null : focusScope.scope();
    }

    /** The refusing window, or for an allowed call the one with the least USD left; null if none applies. */
    public @Nullable WindowState tightest() {
        return focus;
    }

    public @Nullable BudgetWindow window() {
        return focus == null ? null : focus.window();
    }

    public @Nullable BigDecimal limitUsd() {
        return focus == null ? null : focus.limitUsd();
    }

    public @Nullable BigDecimal spentUsd() {
        return focus == null ? null : focus.spentUsd();
    }

    public @Nullable BigDecimal reservedUsd() {
        return focus == null ? null : focus.reservedUsd();
    }

    /** USD left in {@link #tightest()} (before this call's reservation when allowed); null without a USD limit. */
    public @Nullable BigDecimal remainingUsd() {
        BigDecimal r = focusRemaining != null ? focusRemaining : focus == null ? null : focus.remainingUsd();
        return r == null ? null : Money.plain(r);
    }

    /** Null for {@code total} and when the store failed. */
    public @Nullable Instant resetsAt() {
        return focus == null ? null : focus.resetsAt();
    }

    /** True when the call's worst case alone is more than the refusing window's whole limit. */
    public boolean neverFits() {
        return focus != null && !allowed() && hold && focus.neverFits(worstCaseUsd, worstCaseTokens);
    }

    /** True when refused because the budget store could not be reached ({@code on_store_failure: deny}). */
    public boolean storeUnavailable() {
        return unavailableStore != null;
    }

    /** True when allowed without a check because the store could not be reached ({@code on_store_failure: allow}). */
    public boolean degraded() {
        return degraded;
    }

    /**
     * Seconds until the refusing window resets ({@code Retry-After}), at least 1; {@value #STORE_RETRY_SECONDS}
     * when the store was unreachable; -1 when waiting cannot help (the {@code total} window never resets) and 0 for
     * an allowed call.
     */
    public long retryAfterSeconds(Instant now) {
        if (allowed()) {
            return 0;
        }
        if (unavailableStore != null) {
            return STORE_RETRY_SECONDS;
        }
        Instant reset = resetsAt();
        if (reset == null) {
            return -1;
        }
        Duration wait = Duration.between(now, reset);
        long seconds = wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }

    /**
     * The error message of the 429 body: names the scope that refused (the key id for a store failure), the window,
     * the limit and the reset time.
     */
    public String message(String keyId) {
        return RefusalMessage.of(this, keyId, worstCaseUsd, worstCaseTokens, hold, unavailableStore);
    }

    @Override
    public String toString() {
        return "BudgetDecision[" + (allowed() ? "allowed" : "refused") + ", scope=" + (focusScope == null ? null
                : focusScope.scope().kind().id()) + ", window=" + window() + ", remaining="
                + remainingUsd() + (unavailableStore != null ? ", store unavailable" : "")
                + (degraded ? ", degraded" : "") + "]";
    }
}

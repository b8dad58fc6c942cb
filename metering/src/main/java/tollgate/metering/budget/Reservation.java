package tollgate.metering.budget;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An allowed call's claim on the budgets of all its scopes (one id, one hold over all of them), to be ended exactly once with {@link BudgetLedger#settle} (the real cost)
 * or {@link BudgetLedger#release} (no cost). In mode {@code after}, or when the store could not be reached and
 * {@code on_store_failure: allow} let the call through, nothing is held and settling only charges the cost.
 */
public final class Reservation {

    private final String id;
    private final CallBudgets budgets;
    private final BigDecimal worstCaseUsd;
    private final long worstCaseTokens;
    private final boolean held;
    private final AtomicBoolean ended = new AtomicBoolean();

    Reservation(String id, CallBudgets budgets, BigDecimal worstCaseUsd, long worstCaseTokens, boolean held) {
        this.id = id;
        this.budgets = budgets;
        this.worstCaseUsd = worstCaseUsd;
        this.worstCaseTokens = worstCaseTokens;
        this.held = held;
    }

    /** Unique across replicas; not derived from the key. */
    public String id() {
        return id;
    }

    /** The budgets of every scope in effect when the call was allowed; the settlement charges these. */
    public CallBudgets budgets() {
        return budgets;
    }

    public BigDecimal worstCaseUsd() {
        return worstCaseUsd;
    }

    public long worstCaseTokens() {
        return worstCaseTokens;
    }

    /** True when the worst case is reserved in the store (mode {@code reserve}, store reachable). */
    public boolean held() {
        return held;
    }

    /** True once settled or released. */
    public boolean ended() {
        return ended.get();
    }

    /** Marks the reservation ended; false if it already was. */
    boolean end() {
        return ended.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "Reservation[" + id + ", scopes=" + budgets.scopes().size() + ", worst=" + worstCaseUsd.toPlainString() + " USD/"
                + worstCaseTokens + " tokens, held=" + held + ", ended=" + ended.get() + "]";
    }
}

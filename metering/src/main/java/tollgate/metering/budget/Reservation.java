package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

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
    private final @Nullable Instant holdUntil;
    private final AtomicBoolean ended = new AtomicBoolean();

    Reservation(String id, CallBudgets budgets, BigDecimal worstCaseUsd, long worstCaseTokens, boolean held) {
        this(id, budgets, worstCaseUsd, worstCaseTokens, held, null);
    }

    Reservation(String id, CallBudgets budgets, BigDecimal worstCaseUsd, long worstCaseTokens, boolean held,
            @Nullable Instant holdUntil) {
        this.id = id;
        this.budgets = budgets;
        this.worstCaseUsd = worstCaseUsd;
        this.worstCaseTokens = worstCaseTokens;
        this.held = held;
        this.holdUntil = held ? holdUntil : null;
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

    /** When the store releases the hold if it is never settled; null when nothing is held (or not known). */
    public @Nullable Instant holdUntil() {
        return holdUntil;
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

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An allowed call's claim on its budgets, to be ended exactly once with {@link BudgetLedger#settle} (the real cost)
 * or {@link BudgetLedger#release} (no cost). In mode {@code after}, or when the store could not be reached and
 * {@code on_store_failure: allow} let the call through, nothing is held and settling only charges the cost.
 */
public final class Reservation {

    private final String id;
    private final String keyId;
    private final KeyBudget budget;
    private final BigDecimal worstCaseUsd;
    private final long worstCaseTokens;
    private final boolean held;
    private final AtomicBoolean ended = new AtomicBoolean();

    Reservation(String id, String keyId, KeyBudget budget, BigDecimal worstCaseUsd, long worstCaseTokens,
            boolean held) {
        this.id = id;
        this.keyId = keyId;
        this.budget = budget;
        this.worstCaseUsd = worstCaseUsd;
        this.worstCaseTokens = worstCaseTokens;
        this.held = held;
    }

    /** Unique across replicas; not derived from the key. */
    public String id() {
        return id;
    }

    public String keyId() {
        return keyId;
    }

    /** The budgets in effect when the call was allowed; the settlement is checked against these. */
    public KeyBudget budget() {
        return budget;
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
        return "Reservation[" + id + ", key=" + keyId + ", worst=" + worstCaseUsd.toPlainString() + " USD/"
                + worstCaseTokens + " tokens, held=" + held + ", ended=" + ended.get() + "]";
    }
}

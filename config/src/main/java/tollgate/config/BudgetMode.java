package tollgate.config;

/** How budgets are enforced (SPEC 7). */
public enum BudgetMode {
    /** Refuse once spent has reached the limit. */
    AFTER,
    /** Reserve each request's worst case before forwarding; settle to the real cost after. */
    RESERVE
}

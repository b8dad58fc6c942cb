package tollgate.metering.budget;

import tollgate.config.BudgetWindow;

/**
 * What the ledger tells the rest of tollgate, so the proxy can count {@code tollgate_budget_rejections_total},
 * {@code tollgate_budget_alerts_total} and store failures, and log alerts. Called on whichever thread completed the
 * store operation (a Redis I/O thread or the caller's): implementations must be quick and must not block. An
 * exception thrown here is logged and otherwise ignored.
 */
public interface BudgetEvents {

    BudgetEvents NONE = new BudgetEvents() {
    };

    /** A call of key {@code keyId} was refused because of this window's limit of this scope. */
    default void onRejection(String keyId, BudgetScope scope, BudgetWindow window) {
    }

    /** A window's spend crossed one of the scope's alert fractions; once per window instance and fraction. */
    default void onAlert(BudgetAlert alert) {
    }

    /** A call of key {@code keyId} was refused by a rate limit of this scope; {@code kind}: requests or tokens. */
    default void onRateLimited(String keyId, BudgetScope scope, String kind) {
    }

    /** The budget store failed or timed out; {@code on_store_failure} decided the call. */
    default void onStoreFailure(Throwable cause) {
    }
}

/**
 * Per-key budgets (SPEC 7): calendar windows, the ledger that reserves and settles spend, its stores (in memory or
 * Redis, shared by replicas), the rebuild from the usage log, and alerts.
 */
@NullMarked
package tollgate.metering.budget;

import org.jspecify.annotations.NullMarked;

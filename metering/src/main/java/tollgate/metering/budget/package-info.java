/**
 * Budgets of every scope (SPEC 7, 11: keys, users, tag values, models, global): calendar windows, the ledger that
 * reserves and settles spend in all of a call's scopes at once, its stores (in memory or Redis, shared by
 * replicas), the rebuild from the usage log, and alerts.
 */
@NullMarked
package tollgate.metering.budget;

import org.jspecify.annotations.NullMarked;

/**
 * {@code log.store} (issue 20): the usage log shipped to PostgreSQL and read back for fleet-wide reports.
 *
 * <pre>
 *   UsageLogWriter ─▶ usage-DAY.jsonl (the spool) ─▶ StoreShipper (own thread, checkpoint per replica)
 *       ─▶ PostgresStore.ship: usage_records + usage_rollups in one transaction
 *   usage_rollups ─▶ PostgresCellSource (a CellSource) ─▶ StatsCalculator: stats --store, /admin/usage
 * </pre>
 *
 * <p>Blocking JDBC, on the shipper's thread, at start-up, or on an admin or command thread; never an I/O thread.
 */
@NullMarked
package tollgate.metering.store;

import org.jspecify.annotations.NullMarked;

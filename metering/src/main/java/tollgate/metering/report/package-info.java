/**
 * Usage reports (SPEC 8, 10): the {@code stats} tree computed from the usage log or from in-memory per-day
 * aggregates, through one computation, and rendered as JSON, YAML, CSV or a terminal table.
 *
 * <pre>
 *   usage-*.jsonl(.gz) ─ log.UsageLogReader ─ LogScope ─┐
 *                                                       ├─ UsageCube (day → cell → Tally) ─ StatsCalculator ─ StatsReport ─ StatsFormatter
 *   UsageRecord ─ UsageAggregates ──────────────────────┘
 * </pre>
 */
@NullMarked
package tollgate.metering.report;

import org.jspecify.annotations.NullMarked;

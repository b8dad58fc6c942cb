/**
 * Usage reports (SPEC 8, 10): the {@code stats} tree computed from the usage log or from in-memory per-day
 * aggregates, through one computation, and rendered as JSON, YAML, CSV or a terminal
 * table; and the period's calls as FinOps FOCUS charges.
 *
 * <pre>
 *   usage-*.jsonl(.gz) ─ log.UsageLogReader ─ LogScope ─┐
 *                                                       ├─ UsageCube (day → cell → Tally) ─ StatsCalculator ─ StatsReport ─ StatsFormatter
 *   UsageRecord ─ UsageAggregates ──────────────────────┘        (+ WhatIfPricing: the period re-priced)
 *
 *   usage-*.jsonl(.gz) ─ log.UsageLogReader ─ SpendWarnings (stats --warnings: one more read, range + 7 days)
 *                                                 ├─ WarningsCache (/admin/usage?warnings=true, the dashboard; a minute)
 *                                                 └─ WarningEvents (alerts.warnings: today's, to the alert webhook)
 *   UsageRecord + PricingTable ─ CallCostSplit (input/output cost of a call: the dashboard's latest calls)
 *   usage-*.jsonl, newest first ─ log.UsageLogReader.newest ─ RecentCalls (tollgate recent, /tollgate/v1/usage/recent)
 *   usage-*.jsonl(.gz) ─ LogScope.forEachCall ─ FocusCharges (each call's cost_usd over its pricing.Charge parts) ─ FocusCsv
 *                                                (stats --format focus: FinOps FOCUS 1.2 rows, docs/focus.md)
 * </pre>
 */
@NullMarked
package tollgate.metering.report;

import org.jspecify.annotations.NullMarked;

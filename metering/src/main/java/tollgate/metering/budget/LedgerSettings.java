package tollgate.metering.budget;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.StoreFailurePolicy;

/**
 * How a {@link BudgetLedger} enforces: mode, window time zone, store-failure policy, its clock, and its bounds.
 *
 * @param holdTtl how long a reservation is held before the store releases it unsettled (a crashed replica's
 *     calls); longer than any call can last
 * @param maxTrackedKeys bound on the keys remembered for {@code GET /admin/budgets} and gauges
 */
public record LedgerSettings(BudgetMode mode, ZoneId zone, StoreFailurePolicy onStoreFailure, Clock clock,
        Duration holdTtl, int maxTrackedKeys) {

    /** Calls may wait 600 s for a first byte and then stream for many minutes (SPEC 2 timeouts). */
    public static final Duration DEFAULT_HOLD_TTL = Duration.ofHours(1);
    /**
     * As many members as the in-process store keeps: a smaller bound than the calls' working set (10,000 users of
     * s1's scopes run over 10,000 places) turned every call's {@code seen} into an eviction (bench/RESULTS.md).
     */
    public static final int DEFAULT_MAX_TRACKED_KEYS = LocalBudgetStore.DEFAULT_MAX_KEYS;

    public LedgerSettings {
        if (holdTtl.isNegative() || holdTtl.isZero()) {
            throw new IllegalArgumentException("holdTtl: " + holdTtl + " (expected: > 0)");
        }
        if (maxTrackedKeys < 1) {
            throw new IllegalArgumentException("maxTrackedKeys: " + maxTrackedKeys + " (expected: >= 1)");
        }
    }

    public static LedgerSettings of(BudgetsConfig config, Clock clock) {
        return new LedgerSettings(config.mode(), config.timezone(), config.onStoreFailure(), clock, DEFAULT_HOLD_TTL,
                DEFAULT_MAX_TRACKED_KEYS);
    }

    public LedgerSettings withHoldTtl(Duration ttl) {
        return new LedgerSettings(mode, zone, onStoreFailure, clock, ttl, maxTrackedKeys);
    }

    WindowSlot slot(BudgetWindow window, Instant now) {
        return BudgetWindows.slot(window, now, zone);
    }
}

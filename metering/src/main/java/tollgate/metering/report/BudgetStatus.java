package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.ZonedDateTime;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * One key's budget window as {@code /admin/budgets} shows it, for the budget-pace suggestion.
 *
 * @param resetsAt in the budget time zone, so the window's start is one window earlier on that calendar;
 *                 null for a {@code total} window, which never resets
 */
public record BudgetStatus(String key, BudgetWindow window, BigDecimal limitUsd, BigDecimal spentUsd,
                           @Nullable ZonedDateTime resetsAt) {
    public BudgetStatus {
        if (limitUsd.signum() < 0) {
            throw new IllegalArgumentException("limit_usd: " + limitUsd.toPlainString() + " (expected: >= 0)");
        }
    }

    /** When the current window began, or null for a window without a reset. */
    public @Nullable ZonedDateTime windowStart() {
        if (resetsAt == null) {
            return null;
        }
        return switch (window) {
            case HOURLY -> resetsAt.minusHours(1);
            case DAILY -> resetsAt.minusDays(1);
            case WEEKLY -> resetsAt.minusWeeks(1);
            case MONTHLY -> resetsAt.minusMonths(1);
            case TOTAL -> null;
        };
    }
}

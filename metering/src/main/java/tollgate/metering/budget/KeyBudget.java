package tollgate.metering.budget;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.KeyConfig;

/**
 * The budgets one key (or one other scope: a user, a tag value, a model, global) is held to and the fractions of
 * them that raise alerts, as the configuration in effect says.
 * Passed with every call, so a reload takes effect on the next request and no spend is lost.
 *
 * <p>Two limits on the same window are merged into one (the smaller of each), because they share one counter.
 *
 * @param limits at most one per window, in window order
 * @param alerts distinct fractions in (0, 1], ascending
 */
public record KeyBudget(List<BudgetLimit> limits, List<BigDecimal> alerts) {

    public static final KeyBudget NONE = new KeyBudget(List.of(), List.of());

    public KeyBudget {
        limits = mergeByWindow(limits);
        TreeSet<BigDecimal> sorted = new TreeSet<>();
        for (BigDecimal a : alerts) {
            if (a.signum() <= 0 || a.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("alerts: " + a.toPlainString() + " (expected: fractions in (0, 1])");
            }
            sorted.add(a.stripTrailingZeros());
        }
        alerts = List.copyOf(sorted);
    }

    /** Limits with the default alert fractions (0.8 and 0.95). */
    public static KeyBudget of(List<BudgetLimit> limits) {
        return new KeyBudget(limits, KeyConfig.DEFAULT_ALERTS);
    }

    /** A configured key's own budgets, or {@code budgets.default} when it has none. */
    public static KeyBudget of(KeyConfig key, BudgetsConfig budgets) {
        List<BudgetLimit> own = key.budgets();
        return new KeyBudget(own != null ? own : budgets.defaults(), key.alerts());
    }

    /** A key that is not configured (a fingerprint id): {@code budgets.default} with the default alerts. */
    public static KeyBudget defaults(BudgetsConfig budgets) {
        return of(budgets.defaults());
    }

    public boolean isEmpty() {
        return limits.isEmpty();
    }

    private static List<BudgetLimit> mergeByWindow(List<BudgetLimit> limits) {
        Map<BudgetWindow, BudgetLimit> byWindow = new EnumMap<>(BudgetWindow.class);
        for (BudgetLimit l : limits) {
            byWindow.merge(l.window(), l, (a, b) -> new BudgetLimit(a.window(), min(a.usd(), b.usd()),
                    minTokens(a.tokens(), b.tokens())));
        }
        return List.copyOf(new ArrayList<>(byWindow.values()));
    }

    private static @Nullable BigDecimal min(@Nullable BigDecimal a, @Nullable BigDecimal b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.min(b);
    }

    private static @Nullable Long minTokens(@Nullable Long a, @Nullable Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Long.valueOf(Math.min(a, b));
    }
}

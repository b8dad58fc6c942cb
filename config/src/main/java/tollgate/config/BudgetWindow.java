package tollgate.config;

import java.util.Locale;

/** A calendar-aligned budget window in the budget time zone (SPEC 7); weeks are ISO weeks from Monday. */
public enum BudgetWindow {
    HOURLY, DAILY, WEEKLY, MONTHLY, TOTAL;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BudgetWindow parse(String value) {
        for (BudgetWindow w : values()) {
            if (w.id().equals(value)) {
                return w;
            }
        }
        throw new IllegalArgumentException("'" + value + "' (expected: hourly, daily, weekly, monthly or total)");
    }
}

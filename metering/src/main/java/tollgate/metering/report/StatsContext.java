package tollgate.metering.report;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import tollgate.metering.pricing.PricingTable;

/**
 * What a report needs besides the calls: the price table in effect (billing's, so suggestions price as calls are
 * billed), the keys' budget windows, and the clock that says what "today" and "now" are (UTC dates, as the log's).
 */
public record StatsContext(PricingTable prices, List<BudgetStatus> budgets, Clock clock) {
    public StatsContext {
        budgets = List.copyOf(budgets);
    }

    public static StatsContext of(PricingTable prices, Clock clock) {
        return new StatsContext(prices, List.of(), clock);
    }

    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}

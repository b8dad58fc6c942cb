package tollgate.metering.report;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import tollgate.metering.pricing.PricingTable;

/**
 * What a report needs besides the calls: the price table in effect (billing's, so suggestions price as calls are
 * billed), the keys' budget windows, the clock that says what "today" and "now" are (UTC dates, as the log's), and
 * the what-if prices to re-price the period at, if any.
 */
public record StatsContext(PricingTable prices, List<BudgetStatus> budgets, Clock clock, WhatIf whatIf) {
    public StatsContext {
        budgets = List.copyOf(budgets);
    }

    public StatsContext(PricingTable prices, List<BudgetStatus> budgets, Clock clock) {
        this(prices, budgets, clock, WhatIf.NONE);
    }

    public static StatsContext of(PricingTable prices, Clock clock) {
        return new StatsContext(prices, List.of(), clock);
    }

    /** The same context asked to re-price the period as well. */
    public StatsContext withWhatIf(WhatIf asked) {
        return new StatsContext(prices, budgets, clock, asked);
    }

    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
}

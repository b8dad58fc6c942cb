package tollgate.metering.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;

/** The three budget gauges of one key and window. */
final class BudgetGauges {
    private volatile BigDecimal limit = BigDecimal.ZERO;
    private volatile BigDecimal spent = BigDecimal.ZERO;
    private volatile BigDecimal remaining = BigDecimal.ZERO;
    private final Meter[] meters;

    BudgetGauges(PrometheusMeterRegistry registry, Tags tags) {
        meters = new Meter[] {
                Gauge.builder("tollgate.budget.limit.usd", this, g -> g.limit.doubleValue())
                        .description("Budget limit in USD").tags(tags).strongReference(true).register(registry),
                Gauge.builder("tollgate.budget.spent.usd", this, g -> g.spent.doubleValue())
                        .description("Spent in the current budget window, USD").tags(tags).strongReference(true)
                        .register(registry),
                Gauge.builder("tollgate.budget.remaining.usd", this, g -> g.remaining.doubleValue())
                        .description("Remaining in the current budget window, USD").tags(tags).strongReference(true)
                        .register(registry)};
    }

    void set(BigDecimal limit, BigDecimal spent, BigDecimal remaining) {
        this.limit = limit;
        this.spent = spent;
        this.remaining = remaining;
    }

    void remove(PrometheusMeterRegistry registry) {
        for (Meter m : meters) {
            registry.remove(m);
        }
    }
}

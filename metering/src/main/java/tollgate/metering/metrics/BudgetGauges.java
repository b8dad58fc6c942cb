package tollgate.metering.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The three budget gauges of one key and window. They are set when a call of the key settles; a scrape after the
 * window they were set in has ended reads the next window as it starts (nothing spent, the whole limit left)
 * rather than the old window's spend, which would stay until the key's next call.
 */
final class BudgetGauges {

    private volatile Values values = new Values(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, null,
            Clock.systemUTC());
    private final Meter[] meters;

    BudgetGauges(PrometheusMeterRegistry registry, Tags tags) {
        meters = new Meter[] {
                Gauge.builder("tollgate.budget.limit.usd", this, g -> g.values.limit.doubleValue())
                        .description("Budget limit in USD").tags(tags).strongReference(true).register(registry),
                Gauge.builder("tollgate.budget.spent.usd", this, g -> g.values.current().spent.doubleValue())
                        .description("Spent in the current budget window, USD").tags(tags).strongReference(true)
                        .register(registry),
                Gauge.builder("tollgate.budget.remaining.usd", this, g -> g.values.current().remaining.doubleValue())
                        .description("Remaining in the current budget window, USD").tags(tags).strongReference(true)
                        .register(registry)};
    }

    /** @param until when the window these values count in ends (null: {@code total}), by {@code clock} */
    void set(BigDecimal limit, BigDecimal spent, BigDecimal remaining, @Nullable Instant until, Clock clock) {
        this.values = new Values(limit, spent, remaining, until, clock);
    }

    void remove(PrometheusMeterRegistry registry) {
        for (Meter m : meters) {
            registry.remove(m);
        }
    }

    private record Values(BigDecimal limit, BigDecimal spent, BigDecimal remaining, @Nullable Instant until,
            Clock clock) {

        Values current() {
            return until == null || clock.instant().isBefore(until) ? this
                    : new Values(limit, BigDecimal.ZERO, limit, null, clock);
        }
    }
}

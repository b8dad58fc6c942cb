package tollgate.metering.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;

/** {@code tollgate_cost_usd_total}: an exact sum, turned into a double only when scraped. */
final class CostSum {
    private BigDecimal sum = BigDecimal.ZERO;

    static CostSum register(PrometheusMeterRegistry registry, String key, String model, String provider) {
        CostSum s = new CostSum();
        FunctionCounter.builder("tollgate.cost.usd", s, CostSum::value)
                .description("Cost in USD of metered calls")
                .tags("key", key, "model", model, "provider", provider)
                .register(registry);
        return s;
    }

    synchronized void add(BigDecimal cost) {
        sum = sum.add(cost);
    }

    synchronized double value() {
        return sum.doubleValue();
    }
}

package tollgate.metering.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tollgate.config.MetricsConfig;
import tollgate.metering.metrics.TollgateMetrics;

class PriceTableAgeTest {
    private static final PricingTable TABLE = PricingTable.builtIn();

    @Test
    void theTableKnowsItsDateAndAge() {
        assertThat(TABLE.retrievedOn()).isEqualTo(LocalDate.of(2026, 12, 2));
        assertThat(TABLE.ageDays(LocalDate.of(2026, 12, 3))).isEqualTo(1);
        assertThat(TABLE.staleWarning(LocalDate.of(2027, 1, 31))).isNull();
        // 2026-12-02 + 61 days
        assertThat(TABLE.staleWarning(LocalDate.of(2027, 2, 1))).contains("61 days old", "retrieved 2026-12-02",
                "tollgate pricing");
    }

    @Test
    void metricsExportTheAgeOfTheTableInEffect() {
        TollgateMetrics m = new TollgateMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), MetricsConfig.DEFAULT);
        m.priceTableAge(() -> TABLE, Clock.fixed(Instant.parse("2027-01-01T08:00:00Z"), ZoneOffset.UTC));
        assertThat(m.scrape(null)).contains("tollgate_price_table_age_days 30.0");
    }
}

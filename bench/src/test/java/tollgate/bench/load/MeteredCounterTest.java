package tollgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MeteredCounterTest {
    @Test
    void readsOneCounterSummedOverItsLabelSets() {
        String page = """
                # HELP tollgate_usage_log_records_total Usage-log records written
                # TYPE tollgate_usage_log_records_total counter
                tollgate_usage_log_records_total 1234.0
                tollgate_usage_log_records_total_other 5.0
                tollgate_calls_total{outcome="ok"} 7.0
                tollgate_calls_total{outcome="error"} 2.0
                """;
        assertThat(MeteredCounter.parse(page, "tollgate_usage_log_records_total")).isEqualTo(1234.0);
        assertThat(MeteredCounter.parse(page, "tollgate_calls_total")).isEqualTo(9.0);
        assertThat(MeteredCounter.parse(page, "tollgate_missing_total")).isEqualTo(-1);
    }
}

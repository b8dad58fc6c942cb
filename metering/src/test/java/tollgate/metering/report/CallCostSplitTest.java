package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.pricing.PricingTable;

class CallCostSplitTest {
    private static final PricingTable PRICES = PricingTable.builtIn();

    private static UsageRecord call(String model, String pricedAs, long input, long cached, long output, String cost) {
        return new UsageRecord(Instant.parse("2026-12-03T10:00:00Z"), "req-1", "storybot", "/v1/chat/completions",
                model, pricedAs, false, 200, input, cached, output, 0, input + output, false,
                cost == null ? null : new BigDecimal(cost), 812, 240, "alice", Map.of(), null);
    }

    @Test
    void inputAndOutputArePricedByTheCostFunctionAndAddUpToTheCallsTokenCost() {
        // gpt-4o-mini: 994 × $0.15 + 256 cached × $0.075 = $0.0001683 in; 150 × $0.60 = $0.00009 out (per 1M)
        UsageRecord r = call("gpt-4o-mini-2024-07-18", "gpt-4o-mini", 1250, 256, 150, "0.0002583");
        CallCostSplit.Split s = CallCostSplit.of(r, PRICES);

        assertThat(s).isNotNull();
        assertThat(s.inputUsd()).isEqualByComparingTo("0.0001683");
        assertThat(s.outputUsd()).isEqualByComparingTo("0.00009");
        assertThat(s.inputUsd().add(s.outputUsd())).isEqualByComparingTo(r.costUsd());
    }

    @Test
    void anUnpricedCallHasNoSplitAndTheLineSaysSo() throws Exception {
        UsageRecord unpriced = call("my-own-model", null, 100, 0, 10, null);
        assertThat(CallCostSplit.of(unpriced, PRICES)).isNull();

        JsonNode shown = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(
                CallCostSplit.line(unpriced, UsageRecordJson.toJson(unpriced), PRICES));
        assertThat(shown.get("input_cost_usd").isNull()).isTrue();
        assertThat(shown.get("output_cost_usd").isNull()).isTrue();
        assertThat(shown.get("request_id").asText()).isEqualTo("req-1");

        UsageRecord priced = call("gpt-4o-mini-2024-07-18", "gpt-4o-mini", 10, 0, 116, "0.0000711");
        JsonNode withSplit = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).readTree(
                CallCostSplit.line(priced, UsageRecordJson.toJson(priced), PRICES));
        assertThat(withSplit.get("input_cost_usd").decimalValue()).isEqualByComparingTo("0.0000015");
        assertThat(withSplit.get("output_cost_usd").decimalValue()).isEqualByComparingTo("0.0000696");
        assertThat(withSplit.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0000711");
    }
}

package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;

/** SPEC 12's service tiers, from recorded answers through the meter to the one record. */
class ServiceTierRecordTest {
    private static final String RESPONSES = "{\"model\":\"gpt-5\",\"stream\":true,\"input\":\"What is the weather?\"}";

    @Test
    void theRecordedFlexCallOfGpt5CostsTheFlexPriceExactly() throws Exception {
        // responses_stream_gpt-5_function_call.sse (pydantic-ai cassette): "service_tier":"flex", input 53, cached 0,
        // output 469 (448 reasoning). Flex: 53 × 0.625 + 469 × 5 = 33.125 + 2345 = 2378.125 per 1M
        CallRecorder.Recorded r = record("responses_stream_gpt-5_function_call.sse", "text/event-stream");
        UsageRecord rec = r.record();
        assertThat(rec.costUsd()).isEqualTo(new BigDecimal("0.002378125"));
        assertThat(rec.units().serviceTier()).isEqualTo("flex");
        assertThat(rec.pricedAs()).isEqualTo("gpt-5");
        assertThat(r.unpricedTier()).isFalse();
        // the same call at the standard price: 53 × 1.25 + 469 × 10 = 4756.25, twice the flex one
        assertThat(rec.costUsd().multiply(BigDecimal.valueOf(2))).isEqualByComparingTo("0.00475625");
    }

    @Test
    void aDefaultTierIsTheStandardPriceAndAnUnknownOneIsStandardAndReported() throws Exception {
        CallRecorder.Recorded standard = record("responses_gpt-5_cached_reasoning.json", "application/json");
        // 12594 input of which 3200 cached, 1150 output: 9394 × 1.25 + 3200 × 0.125 + 1150 × 10 = 11742.5 + 400 + 11500
        // per 1M = 0.0236425, plus its 2 web_search_call items at $10 / 1K: 0.02
        assertThat(standard.record().costUsd()).isEqualTo(new BigDecimal("0.0436425"));
        assertThat(standard.record().units().counts().webSearchCalls()).isEqualTo(2);
        assertThat(standard.record().units().serviceTier()).isEqualTo("default");
        assertThat(standard.unpricedTier()).isFalse();

        String body = new String(bytes("responses_gpt-5_cached_reasoning.json"), StandardCharsets.UTF_8)
                .replace("\"service_tier\": \"default\"", "\"service_tier\": \"scale\"");
        CallRecorder.Recorded unknown = record(body.getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(unknown.record().costUsd()).isEqualTo(new BigDecimal("0.0436425"));
        assertThat(unknown.record().units().serviceTier()).isEqualTo("scale");
        assertThat(unknown.unpricedTier()).isTrue();
    }

    private static CallRecorder.Recorded record(String fixture, String contentType) throws IOException {
        return record(bytes(fixture), contentType);
    }

    private static CallRecorder.Recorded record(byte[] body, String contentType) {
        RequestInfo req = RequestInfo.parse(Endpoint.RESPONSES, RESPONSES.getBytes(StandardCharsets.UTF_8));
        MeteredRequest call = new MeteredRequest("storybot", "/v1/responses", req, false, null, Map.of(), CallBudgets.NONE, null);
        ResponseMeter m = ResponseMeter.create(Endpoint.RESPONSES, 200, contentType, false);
        m.onBytes(ByteBuffer.wrap(body));
        m.onEnd();
        return CallRecorderTest.RECORDER.record(call, m, "req-1", CallRecorderTest.end(Outcome.COMPLETE, 200, true),
                CallRecorderTest.NOW, CallRecorderTest.PRICES);
    }

    private static byte[] bytes(String fixture) throws IOException {
        try (InputStream in = ServiceTierRecordTest.class.getResourceAsStream("/fixtures/" + fixture)) {
            return in.readAllBytes();
        }
    }
}

package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.Usage;

/** Anthropic's Messages API metered natively (SPEC 13): exact records, 1-hour cache writes, cut streams. */
class MessagesRecordTest {
    static final PricingTable PRICES = PricingTable.builtIn();
    static final CallRecorder RECORDER = new CallRecorder(new TokenEstimator(Runnable::run));
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    static final String STREAM = "{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":1024,\"stream\":true,"
            + "\"metadata\":{\"user_id\":\"u-42\"},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final String SSE = "text/event-stream; charset=utf-8";

    static MeteredRequest request(String body) {
        RequestInfo req = RequestInfo.parse(Endpoint.MESSAGES, body.getBytes(StandardCharsets.UTF_8));
        return new MeteredRequest("coder", "/v1/messages", req, false, req.user(), Map.of(), CallBudgets.NONE, null);
    }

    static ResponseMeter meter(String contentType, byte[] body, int keep) {
        ResponseMeter m = ResponseMeter.create(Endpoint.MESSAGES, 200, contentType, false);
        m.onBytes(ByteBuffer.wrap(body, 0, Math.min(keep, body.length)));
        m.onEnd();
        return m;
    }

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = MessagesRecordTest.class.getResourceAsStream("/fixtures/" + name)) {
            return in.readAllBytes();
        }
    }

    static CallEnd complete() {
        return new CallEnd(Outcome.COMPLETE, 200, 1_000, 2_000, 3_000_000, 0, 9_000_000);
    }

    @Test
    void aStreamWithOneHourCacheWritesIsBilledAtTheOneHourPrice() throws Exception {
        ResponseMeter m = meter(SSE, fixture("messages_stream_claude-sonnet-4-6_cache_1h.sse"), Integer.MAX_VALUE);
        UsageRecord rec = RECORDER.record(request(STREAM), m, null, complete(), NOW, PRICES).record();

        assertThat(rec.estimated()).isFalse();
        assertThat(rec.error()).isNull();
        assertThat(rec.endpoint()).isEqualTo("/v1/messages");
        assertThat(rec.model()).isEqualTo("claude-sonnet-4-6");
        assertThat(rec.pricedAs()).isEqualTo("claude-sonnet-4-6");
        assertThat(rec.user()).isEqualTo("u-42");
        assertThat(rec.inputTokens()).isEqualTo(12207 + 15866);
        assertThat(rec.cachedInputTokens()).isZero();
        assertThat(rec.outputTokens()).isEqualTo(157);
        assertThat(rec.units().counts().cacheWriteTokens()).isEqualTo(15866);
        assertThat(rec.units().counts().cacheWrite1hTokens()).isEqualTo(15866);
        // Sonnet 4.6: $3 input, $6 one-hour write, $15 output per 1M tokens
        BigDecimal expected = new BigDecimal("3").multiply(BigDecimal.valueOf(12207))
                .add(new BigDecimal("6").multiply(BigDecimal.valueOf(15866)))
                .add(new BigDecimal("15").multiply(BigDecimal.valueOf(157))).movePointLeft(6);
        assertThat(rec.costUsd()).isEqualByComparingTo(expected).isEqualByComparingTo("0.134172");
    }

    @Test
    void cacheWriteThenCacheReadArePricedAtTheirOwnPrices() {
        // the usages of Anthropic's prompt caching docs example (claude-opus-4-1, "Pride and Prejudice"):
        // first call writes 188086 tokens (5 minutes), the second reads them
        String write = message("claude-opus-4-1-20250805", "{\"input_tokens\":21,\"cache_creation_input_tokens\":188086,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":393}");
        String read = message("claude-opus-4-1-20250805", "{\"input_tokens\":21,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":188086,\"output_tokens\":393}");
        String body = "{\"model\":\"claude-opus-4-1\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Analyze\"}]}";

        UsageRecord w = RECORDER.record(request(body), meter("application/json", bytes(write), Integer.MAX_VALUE), null,
                complete(), NOW, PRICES).record();
        UsageRecord r = RECORDER.record(request(body), meter("application/json", bytes(read), Integer.MAX_VALUE), null,
                complete(), NOW, PRICES).record();

        assertThat(w.inputTokens()).isEqualTo(188107);
        assertThat(w.units().counts().cacheWriteTokens()).isEqualTo(188086);
        assertThat(w.pricedAs()).isEqualTo("claude-opus-4-1");
        // Opus 4.1: $15 input, $18.75 5-minute write, $1.50 cache read, $75 output
        assertThat(w.costUsd()).isEqualByComparingTo("3.5564025"); // 21×15 + 188086×18.75 + 393×75, per 1M
        assertThat(r.inputTokens()).isEqualTo(188107);
        assertThat(r.cachedInputTokens()).isEqualTo(188086);
        assertThat(r.units().counts().cacheWriteTokens()).isZero();
        assertThat(r.costUsd()).isEqualByComparingTo("0.311919"); // 21×15 + 188086×1.5 + 393×75, per 1M
    }

    @Test
    void aNonStreamedAnswerSplitsItsCacheWritesByLifetime() {
        String answer = message("claude-haiku-4-5-20251001", "{\"input_tokens\":10,\"cache_creation_input_tokens\":2000,"
                + "\"cache_read_input_tokens\":50000,\"cache_creation\":{\"ephemeral_5m_input_tokens\":500,"
                + "\"ephemeral_1h_input_tokens\":1500},\"output_tokens\":300,\"service_tier\":\"standard\"}");
        ResponseMeter m = meter("application/json", bytes(answer), Integer.MAX_VALUE);
        assertThat(m.usage()).isEqualTo(new Usage(52010, 50000, 300, 0, 2000, 0, 0, 0, 0, 1500));
        String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":512,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        UsageRecord rec = RECORDER.record(request(body), m, null, complete(), NOW, PRICES).record();
        // Haiku 4.5: $1 input, $0.10 read, $1.25 5-minute write, $2 1-hour write, $5 output
        assertThat(rec.costUsd()).isEqualByComparingTo("0.010135"); // 10 + 5000 + 625 + 3000 + 1500, per 1M
        // the record keeps the split, through the log and back
        assertThat(rec.units().counts().cacheWriteTokens()).isEqualTo(2000);
        assertThat(rec.units().counts().cacheWrite1hTokens()).isEqualTo(1500);
        String line = tollgate.metering.log.UsageRecordJson.toJson(rec);
        assertThat(line).contains("\"cache_write_tokens\":2000,\"cache_write_1h_tokens\":1500,");
        assertThat(tollgate.metering.log.UsageRecordJson.parse(line).units().counts().cacheWrite1hTokens()).isEqualTo(1500);
    }

    @Test
    void aStreamWithoutMessageStopIsEstimatedAndUpstreamCut() throws Exception {
        byte[] whole = fixture("messages_stream_claude-sonnet-4_tool_use.sse");
        String text = new String(whole, StandardCharsets.UTF_8);
        // everything up to the message_delta: message_start's exact counts and all the text arrived
        int cut = text.indexOf("event: message_delta");
        ResponseMeter m = meter(SSE, whole, cut);
        String body = "{\"model\":\"claude-sonnet-4\",\"max_tokens\":1024,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"}]}";
        UsageRecord rec = RECORDER.record(request(body), m, null, complete(), NOW, PRICES).record();

        assertThat(rec.estimated()).isTrue();
        assertThat(rec.error()).isEqualTo("upstream_cut");
        // the input message_start reported is kept exact; the output is estimated from the streamed text
        assertThat(rec.inputTokens()).isEqualTo(377);
        long streamed = new TokenEstimator(Runnable::run).countText("claude-sonnet-4-20250514", m.streamedText());
        assertThat(rec.outputTokens()).isEqualTo(streamed).isPositive();
        assertThat(rec.costUsd()).isPositive();
    }

    @Test
    void theEstimateOfACutStreamIsNeverBelowTheOutputItLastReported() {
        String events = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-6\","
                + "\"usage\":{\"input_tokens\":40,\"output_tokens\":1}}}\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},"
                + "\"usage\":{\"output_tokens\":900}}\n\n";
        ResponseMeter m = meter(SSE, bytes(events), Integer.MAX_VALUE);
        UsageRecord rec = RECORDER.record(request(STREAM), m, null, complete(), NOW, PRICES).record();
        assertThat(rec.estimated()).isTrue();
        assertThat(rec.inputTokens()).isEqualTo(40);
        assertThat(rec.outputTokens()).isEqualTo(900);
    }

    @Test
    void anErrorEventMidStreamIsRecordedWithItsType() {
        String events = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-6\","
                + "\"usage\":{\"input_tokens\":40,\"output_tokens\":1}}}\n\n"
                + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
        ResponseMeter m = meter(SSE, bytes(events), Integer.MAX_VALUE);
        UsageRecord rec = RECORDER.record(request(STREAM), m, null, complete(), NOW, PRICES).record();
        assertThat(rec.error()).isEqualTo("overloaded_error");
        assertThat(rec.estimated()).isTrue();
        assertThat(rec.inputTokens()).isEqualTo(40);
    }

    @Test
    void anAnthropicErrorAnswerIsRecordedWithItsType() {
        String error = "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"model: claude-nope\"},"
                + "\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
        ResponseMeter m = ResponseMeter.create(Endpoint.MESSAGES, 404, "application/json", false);
        m.onBytes(ByteBuffer.wrap(bytes(error)));
        m.onEnd();
        UsageRecord rec = RECORDER.record(request(STREAM), m, null,
                new CallEnd(Outcome.COMPLETE, 404, 1_000, 2_000, 3_000_000, 0, 9_000_000), NOW, PRICES).record();
        assertThat(rec.error()).isEqualTo("not_found_error");
        assertThat(rec.estimated()).isFalse();
        assertThat(rec.costUsd()).isEqualByComparingTo("0");
    }

    @Test
    void messageDeltaCountsAreCumulativeAndReplaceTheStartCounts() {
        // newer API versions repeat the input and cache counts in message_delta; the last given wins
        String events = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-6\","
                + "\"usage\":{\"input_tokens\":40,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"input_tokens\":42,\"cache_read_input_tokens\":7,\"output_tokens\":12}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        ResponseMeter m = meter(SSE, bytes(events), Integer.MAX_VALUE);
        assertThat(m.usage()).isEqualTo(new Usage(49, 7, 12, 0));
        assertThat(m.streamCompleted()).isTrue();
        assertThat(m.unreadableEvents()).isZero();
    }

    @Test
    void tokenCountingIsNotMetered() {
        assertThat(Endpoint.ofApiPath("/v1/messages/count_tokens")).isNull();
        assertThat(Endpoint.ofApiPath("/v1/messages")).isEqualTo(Endpoint.MESSAGES);
        assertThat(Endpoint.ofApiPath("/v1/messages/batches")).isEqualTo(Endpoint.OTHER);
    }

    @Test
    void theWorstCaseReservesAnthropicsMaxTokens() {
        MeteredRequest call = request(STREAM);
        CallRecorder.WorstCase worst = CallRecorder.worstCase(call.request(), PRICES.resolve(null, "claude-sonnet-4-6"), 100);
        // 100 prompt tokens at $6 (each may be a 1-hour cache write: 2 × the $3 input) and max_tokens 1024 at $15,
        // per 1M: a reservation never below what the call can be billed
        assertThat(worst.usd()).isEqualByComparingTo("0.01596");
        assertThat(worst.tokens()).isEqualTo(1124);
    }

    @Test
    void oneHourWritesInALongContextCallCostTwiceTheTiersInput() {
        tollgate.metering.pricing.ModelPrice sonnet = PRICES.resolve(null, "claude-sonnet-4-5").price();
        // standard: 500 uncached × $3 + 300 five-minute writes × $3.75 + 200 one-hour writes × $6 + 10 out × $15
        assertThat(tollgate.metering.pricing.CostCalculator.cost(sonnet,
                new Usage(1000, 0, 10, 0, 500, 0, 0, 0, 0, 200), (String) null)).isEqualByComparingTo("0.003975");
        // above 200K input the whole call is at the long-context tier ($6 input, $22.50 output): 1-hour writes at
        // 2 × $6, Anthropic's rule, as the tier lists no 1-hour price
        assertThat(tollgate.metering.pricing.CostCalculator.cost(sonnet,
                new Usage(300_000, 0, 100, 0, 100_000, 0, 0, 0, 0, 100_000), (String) null))
                .isEqualByComparingTo("2.40225");
    }

    static String message(String model, String usage) {
        return "{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model + "\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Hello!\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":" + usage + "}";
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

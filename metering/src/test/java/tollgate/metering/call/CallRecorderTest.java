package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.metering.budget.BudgetDecision;
import tollgate.metering.budget.BudgetEvents;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.KeyBudget;
import tollgate.metering.budget.LocalBudgetStore;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;

/** The rules of what a call costs, on plain values: every outcome, estimate and settlement. */
class CallRecorderTest {
    static final PricingTable PRICES = PricingTable.builtIn();
    static final CallRecorder RECORDER = new CallRecorder(new TokenEstimator(Runnable::run));
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    static final String CHAT = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the whole wide world, please.\"}]}";
    static final String STREAM = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the whole wide world, please.\"}]}";

    static MeteredRequest request(String body, KeyBudget budget, tollgate.metering.budget.Reservation reservation) {
        RequestInfo req = RequestInfo.parse(Endpoint.ofPath("/v1/chat/completions"), body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return new MeteredRequest("storybot", "/v1/chat/completions", req, false, "u1", Map.of("team", "search"),
                CallBudgets.ofKey("storybot", budget), reservation);
    }

    static ResponseMeter meter(String fixture, String contentType, int status, int keepBytes) throws IOException {
        ResponseMeter m = ResponseMeter.create(Endpoint.ofPath("/v1/chat/completions"), status, contentType, false);
        byte[] bytes;
        try (InputStream in = CallRecorderTest.class.getResourceAsStream("/fixtures/" + fixture)) {
            bytes = in.readAllBytes();
        }
        m.onBytes(ByteBuffer.wrap(bytes, 0, Math.min(keepBytes, bytes.length)));
        if (keepBytes >= bytes.length) {
            m.onEnd();
        }
        return m;
    }

    static CallEnd end(Outcome outcome, int status, boolean forwarded) {
        return new CallEnd(outcome, status, 1_000, forwarded ? 2_000 : 0, forwarded ? 3_000_000 : 0, 0, 9_000_000);
    }

    @Test
    void aCompleteAnswerIsRecordedWithTheUpstreamsCountsAndPrice() throws Exception {
        ResponseMeter m = meter("chat_gpt-4o.json", "application/json", 200, Integer.MAX_VALUE);
        CallRecorder.Recorded r = RECORDER.record(request(CHAT, KeyBudget.NONE, null), m, "req-1",
                end(Outcome.COMPLETE, 200, true), NOW, PRICES);
        UsageRecord rec = r.record();
        assertThat(rec).isNotNull();
        assertThat(rec.estimated()).isFalse();
        assertThat(rec.error()).isNull();
        assertThat(rec.inputTokens()).isEqualTo(m.usage().inputTokens());
        assertThat(rec.costUsd()).isNotNull().isPositive();
        assertThat(rec.requestId()).isEqualTo("req-1");
        assertThat(rec.user()).isEqualTo("u1");
        assertThat(rec.tags()).containsEntry("team", "search");
        assertThat(r.settlement()).isEqualTo(Settlement.NONE);
    }

    @Test
    void aClientGoneMidStreamIsEstimatedWithTheStreamedText() throws Exception {
        ResponseMeter m = meter("chat_stream_gpt-4o_content.sse", "text/event-stream", 200, 600);
        UsageRecord rec = RECORDER.record(request(STREAM, KeyBudget.NONE, null), m, null,
                end(Outcome.CLIENT_GONE, 200, true), NOW, PRICES).record();
        assertThat(rec.estimated()).isTrue();
        assertThat(rec.error()).isEqualTo("client_disconnected");
        assertThat(rec.inputTokens()).isPositive();
        assertThat(rec.requestId()).startsWith("tg-");
    }

    @Test
    void aClientThatReadNothingForTheIdleTimeoutIsBilledAsEstimated() throws Exception {
        ResponseMeter m = meter("chat_stream_gpt-4o_content.sse", "text/event-stream", 200, 600);
        UsageRecord rec = RECORDER.record(request(STREAM, KeyBudget.NONE, null), m, null,
                end(Outcome.CLIENT_IDLE, 200, true), NOW, PRICES).record();
        assertThat(rec.estimated()).isTrue();
        assertThat(rec.error()).isEqualTo("client_timeout");
        assertThat(rec.costUsd()).isPositive();
    }

    @Test
    void aClientGoneBeforeForwardingCostsNothing() {
        UsageRecord rec = RECORDER.record(request(CHAT, KeyBudget.NONE, null), null, null,
                CallEnd.clientGoneBeforeForwarding(1_000, 2_000), NOW, PRICES).record();
        assertThat(rec.estimated()).isFalse();
        assertThat(rec.totalTokens()).isZero();
        assertThat(rec.costUsd()).isEqualByComparingTo("0");
        assertThat(rec.error()).isEqualTo("client_disconnected");
    }

    @Test
    void aRefusalIsARecordWithItsReasonAndNoTokens() {
        UsageRecord rec = RECORDER.record(request(CHAT, KeyBudget.NONE, null), null, null,
                CallEnd.refused(Outcome.BUDGET_EXCEEDED, 429, 1_000, 2_000), NOW, PRICES).record();
        assertThat(rec.status()).isEqualTo(429);
        assertThat(rec.error()).isEqualTo("budget_exceeded");
        assertThat(rec.totalTokens()).isZero();
    }

    @Test
    void anUpstreamErrorNamesItsCodeOrStatus() throws Exception {
        ResponseMeter m = meter("error_404_model_not_found.json", "application/json", 404, Integer.MAX_VALUE);
        UsageRecord rec = RECORDER.record(request(CHAT, KeyBudget.NONE, null), m, null, end(Outcome.COMPLETE, 404, true), NOW, PRICES).record();
        assertThat(rec.error()).isEqualTo("model_not_found");
        assertThat(rec.estimated()).isFalse();
        assertThat(CallRecorder.errorOf(Outcome.COMPLETE, 503, null)).isEqualTo("http_503");
        assertThat(CallRecorder.errorOf(Outcome.TIMEOUT, 504, null)).isEqualTo("upstream_timeout");
        assertThat(CallRecorder.errorOf(Outcome.UNAVAILABLE, 502, null)).isEqualTo("upstream_unavailable");
        assertThat(CallRecorder.errorOf(Outcome.UPSTREAM_CUT, 200, null)).isEqualTo("upstream_cut");
    }

    @Test
    void aCallThatIsNotMeteredHasNoRecord() {
        CallRecorder.Recorded r = RECORDER.record(MeteredRequest.unmetered("k", "/v1/models", Map.of()), null, null,
                end(Outcome.COMPLETE, 200, true), NOW, PRICES);
        assertThat(r.record()).isNull();
        assertThat(r.settlement()).isEqualTo(Settlement.NONE);
    }

    @Test
    void settlementFollowsTheBudgetAndTheReservation() throws Exception {
        KeyBudget budget = KeyBudget.of(List.of(new BudgetLimit(BudgetWindow.DAILY, new BigDecimal("5"), null)));
        BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), BudgetsConfig.DEFAULT,
                Clock.fixed(NOW, ZoneOffset.UTC), BudgetEvents.NONE, null);
        BudgetDecision d = ledger.reserve("storybot", budget, new BigDecimal("0.5"), 1000).get();
        MeteredRequest reserved = request(CHAT, budget, d.reservation());

        assertThat(CallRecorder.settlement(reserved, BigDecimal.ZERO, 0)).isInstanceOf(Settlement.Release.class);
        assertThat(CallRecorder.settlement(reserved, new BigDecimal("0.01"), 20)).isInstanceOf(Settlement.Settle.class);
        assertThat(CallRecorder.settlement(request(CHAT, budget, null), new BigDecimal("0.01"), 20))
                .isInstanceOf(Settlement.Record.class);
        assertThat(CallRecorder.settlement(reserved.withoutBudget(), new BigDecimal("0.01"), 20)).isEqualTo(Settlement.NONE);
    }

    @Test
    void theWorstCaseIsThePromptPlusTheOutputCap() {
        RequestInfo capped = RequestInfo.parse(Endpoint.ofPath("/v1/chat/completions"),
                "{\"model\":\"gpt-4o\",\"max_tokens\":100,\"messages\":[]}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        var priced = PRICES.resolve(null, "gpt-4o");
        CallRecorder.WorstCase w = CallRecorder.worstCase(capped, priced, 50);
        assertThat(w.tokens()).isEqualTo(150);
        assertThat(w.usd()).isEqualByComparingTo(tollgate.metering.pricing.CostCalculator.worstCase(priced.price(), 50, 100));
        assertThat(CallRecorder.worstCase(capped, null, 50).usd()).isEqualByComparingTo("0");
    }

    static ResponseMeter answer(String json) {
        ResponseMeter m = ResponseMeter.create(Endpoint.ofPath("/v1/chat/completions"), 200, "application/json", false);
        m.onBytes(ByteBuffer.wrap(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        m.onEnd();
        return m;
    }

    static String withUsage(String usage) {
        return "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[],\"usage\":" + usage + "}";
    }

    @Test
    void upstreamUsageThatCannotBeTrueIsRecordedAsAnEstimateAndNeverAsSent() {
        for (String usage : List.of(
                "{\"prompt_tokens\":10,\"completion_tokens\":1e400,\"total_tokens\":10}",
                "{\"prompt_tokens\":-5,\"completion_tokens\":3,\"total_tokens\":-2}",
                "{\"prompt_tokens\":10.5,\"completion_tokens\":3,\"total_tokens\":13.5}",
                "{\"prompt_tokens\":10,\"completion_tokens\":1000000001,\"total_tokens\":1000000011}",
                "{\"prompt_tokens\":10,\"completion_tokens\":99999999999999999999999,\"total_tokens\":1}",
                "{\"prompt_tokens\":10,\"completion_tokens\":3,\"completion_tokens_details\":{\"reasoning_tokens\":9}}")) {
            CallRecorder.Recorded r = RECORDER.record(request(CHAT, KeyBudget.NONE, null), answer(withUsage(usage)), "req",
                    end(Outcome.COMPLETE, 200, true), NOW, PRICES);
            UsageRecord rec = r.record();
            assertThat(rec.estimated()).as(usage).isTrue();
            assertThat(rec.error()).as(usage).isEqualTo(CallRecorder.USAGE_INVALID);
            // the prompt as the tokenizer counts it: a handful of tokens, and a price of cents at most
            assertThat(rec.inputTokens()).as(usage).isBetween(5L, 100L);
            assertThat(rec.totalTokens()).as(usage).isBetween(5L, 100L);
            assertThat(rec.costUsd()).as(usage).isLessThan(new BigDecimal("0.01"));
        }
        // and a plausible one, for contrast, is taken as sent
        UsageRecord ok = RECORDER.record(request(CHAT, KeyBudget.NONE, null),
                answer(withUsage("{\"prompt_tokens\":10,\"completion_tokens\":1000000000,\"total_tokens\":1000000010}")),
                "req", end(Outcome.COMPLETE, 200, true), NOW, PRICES).record();
        assertThat(ok.estimated()).isFalse();
        assertThat(ok.outputTokens()).isEqualTo(1_000_000_000L);
    }

    @Test
    void theWorstCaseCountsEveryAnswerTheUpstreamGenerates() {
        var priced = PRICES.resolve(null, "gpt-4o-mini");
        RequestInfo one = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10}".getBytes());
        RequestInfo many = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"n\":128}".getBytes());
        RequestInfo bestOf = RequestInfo.parse(Endpoint.COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"n\":2,\"best_of\":5}".getBytes());
        RequestInfo huge = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"max_tokens\":4611686018427387904,\"n\":4}".getBytes());
        assertThat(CallRecorder.worstCase(one, priced, 20).tokens()).isEqualTo(30);
        assertThat(CallRecorder.worstCase(many, priced, 20).tokens()).isEqualTo(20 + 1280);
        // 20 × 0.15/1M + 1280 × 0.60/1M
        assertThat(CallRecorder.worstCase(many, priced, 20).usd()).isEqualByComparingTo("0.000771");
        assertThat(CallRecorder.worstCase(bestOf, priced, 20).tokens()).isEqualTo(20 + 50);
        assertThat(CallRecorder.worstCase(huge, priced, 20).tokens()).isEqualTo(Long.MAX_VALUE);
        // no max_tokens: the model's output cap, times n
        RequestInfo uncapped = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"n\":3}".getBytes());
        long cap = priced.price().maxOutputTokens();
        assertThat(CallRecorder.worstCase(uncapped, priced, 20).tokens()).isEqualTo(20 + 3 * cap);
    }
}

package tollgate.metering.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.ResponseMeter;

/**
 * Fuzz target (issue 17): the usage scanners of every metered endpoint (chat, completions, embeddings, responses,
 * Anthropic's messages), JSON answers and SSE streams, on any bytes cut anywhere: no exception,
 * and the same usage, model and error as from the whole body. Seeds: the recorded answers of {@code fixtures/}.
 */
class ResponseMeterFuzzTest {
    static final Endpoint[] ENDPOINTS = {Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS,
            Endpoint.RESPONSES, Endpoint.MESSAGES};

    static ResponseMeter meter(Endpoint e, boolean stream, byte[] body, int[] cuts) {
        ResponseMeter m = ResponseMeter.create(e, 200, stream ? "text/event-stream" : "application/json", false);
        Cuts.feed(body, cuts, m::onBytes);
        m.onEnd();
        return m;
    }

    @FuzzTest(maxDuration = "20s")
    void anyAnswerCutAnywhereMetersTheSameAsWhole(FuzzedDataProvider in) {
        Endpoint e = ENDPOINTS[in.consumeInt(0, ENDPOINTS.length - 1)];
        boolean stream = in.consumeBoolean();
        int[] cuts = Cuts.draw(in, 6, 1 << 14);
        byte[] body = in.consumeRemainingAsBytes();
        ResponseMeter whole = meter(e, stream, body, new int[0]);
        ResponseMeter cut = meter(e, stream, body, cuts);
        assertThat(cut.usage()).isEqualTo(whole.usage());
        assertThat(cut.model()).isEqualTo(whole.model());
        assertThat(cut.errorCode()).isEqualTo(whole.errorCode());
        assertThat(cut.streamedText()).isEqualTo(whole.streamedText());
        if (whole.usage() != null) {
            // counts a ledger could take: whole numbers, never negative (absurd ones are the recorder's to refuse)
            assertThat(whole.usage().inputTokens()).isNotNegative();
            assertThat(whole.usage().outputTokens()).isNotNegative();
        }
    }
}

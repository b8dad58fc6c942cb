package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

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

/** A route's {@code trust_provider_cost} (SPEC 13): OpenRouter's {@code usage.cost} is the call's cost when trusted. */
class ProviderCostTest {
    static final CallRecorder RECORDER = new CallRecorder(new TokenEstimator(Runnable::run));
    static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    // an OpenRouter usage as a review log recorded it (google/gemma-4-26b-a4b-it through OpenRouter)
    static final String ANSWER = "{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"model\":\"google/gemma-4-26b-a4b-it\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":64266,\"completion_tokens\":1391,\"total_tokens\":65657,\"cost\":0.0104745,"
            + "\"is_byok\":false,\"prompt_tokens_details\":{\"cached_tokens\":7,\"cache_write_tokens\":0,\"audio_tokens\":0,"
            + "\"video_tokens\":0},\"cost_details\":{\"upstream_inference_cost\":0.0104745,"
            + "\"upstream_inference_prompt_cost\":0.0096399,\"upstream_inference_completions_cost\":0.0008346},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"image_tokens\":0,\"audio_tokens\":0}}}";

    static UsageRecord record(String model, boolean trust) {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Review\"}]}";
        RequestInfo req = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, body.getBytes(StandardCharsets.UTF_8));
        MeteredRequest call = new MeteredRequest("k", "/v1/chat/completions", req, false, null, Map.of(), CallBudgets.NONE,
                null).withProvider("openrouter", trust);
        ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, "application/json", false);
        m.onBytes(ByteBuffer.wrap(ANSWER.getBytes(StandardCharsets.UTF_8)));
        m.onEnd();
        return RECORDER.record(call, m, null, new CallEnd(Outcome.COMPLETE, 200, 1, 2, 3, 0, 9), NOW,
                PricingTable.builtIn()).record();
    }

    @Test
    void aTrustedProvidersOwnCostIsTheCallsCost() {
        UsageRecord r = record("google/gemma-4-26b-a4b-it", true);
        assertThat(r.costUsd()).isEqualByComparingTo("0.0104745");
        assertThat(r.units().provider()).isEqualTo("openrouter");
        assertThat(r.inputTokens()).isEqualTo(64266);
        assertThat(r.cachedInputTokens()).isEqualTo(7);
    }

    @Test
    void aProvidersOwnPriceForAModelComesBeforeTheModelsPrice(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve("prices.yaml");
        java.nio.file.Files.writeString(file, "models:\n  azure/gpt-4o: {input: 5, output: 20}\n");
        PricingTable table = PricingTable.load(file);
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        String answer = "{\"model\":\"gpt-4o-2024-11-20\",\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":100}}";
        java.util.function.Function<String, UsageRecord> through = provider -> {
            RequestInfo req = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, body.getBytes(StandardCharsets.UTF_8));
            MeteredRequest call = new MeteredRequest("k", "/v1/chat/completions", req, false, null, Map.of(),
                    CallBudgets.NONE, null).withProvider(provider, false);
            ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, "application/json", false);
            m.onBytes(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
            m.onEnd();
            return RECORDER.record(call, m, null, new CallEnd(Outcome.COMPLETE, 200, 1, 2, 3, 0, 9), NOW, table).record();
        };
        UsageRecord azure = through.apply("azure");
        assertThat(azure.pricedAs()).isEqualTo("azure/gpt-4o");
        assertThat(azure.costUsd()).isEqualByComparingTo("0.007"); // 1000 × $5 + 100 × $20, per 1M
        UsageRecord openai = through.apply("openai");
        assertThat(openai.pricedAs()).isEqualTo("gpt-4o");
    }

    @Test
    void withoutTrustTheTableDecidesAndAnUnknownModelStaysUnpriced() {
        UsageRecord r = record("google/gemma-4-26b-a4b-it", false);
        assertThat(r.costUsd()).isNull();
        assertThat(r.units().provider()).isEqualTo("openrouter");
    }
}

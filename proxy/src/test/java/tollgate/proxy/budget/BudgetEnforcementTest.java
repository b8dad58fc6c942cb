package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.Sha256;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/**
 * Budgets through the proxy. Each call costs exactly $0.0000711 (gpt-4o-mini, {@link #ANSWER}: 10 input tokens
 * × $0.15/1M + 116 output × $0.60/1M); its worst case (the estimated prompt, more than 10 tokens, + max_tokens
 * 116) is above that, so a budget of ten calls' cost affords at most ten and is never passed.
 */
public class BudgetEnforcementTest {
    public static final String KEY = "tg-budget-key-000000000000000000001";
    static final String REAL_UPSTREAM_KEY = "upstream-secret-value-0000000000000001";
    // 10 × 0.15/1M + 116 × 0.60/1M = 0.0000015 + 0.0000696 = 0.0000711 USD per call
    public static final String ANSWER = "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"created\":1741569952,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,"
            + "\"completion_tokens\":116,\"total_tokens\":126}}";
    public static final BigDecimal PER_CALL = new BigDecimal("0.0000711");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    MockWebServer upstream;
    final AtomicInteger served = new AtomicInteger();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        upstream = Upstreams.answering(ANSWER, served);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    public static String config(String mode, String usd) {
        return "budgets:\n  mode: " + mode + "\n"
                + "keys:\n  - name: storybot\n    key_env: STORYBOT_KEY\n    upstream_key_env: REAL_KEY\n"
                + "    budgets:\n      - {window: daily, usd: " + usd + "}\n";
    }

    public static final Map<String, String> ENV = Map.of("STORYBOT_KEY", KEY, "REAL_KEY", REAL_UPSTREAM_KEY);

    /** A prompt that the estimator counts well under 200 tokens, with max_tokens so the worst case is bounded. */
    public static String request() {
        return "{\"model\":\"gpt-4o-mini\",\"max_tokens\":116,\"messages\":[{\"role\":\"user\",\"content\":\"hello there, how are you doing today, my good friend?\"}]}";
    }

    HttpResponse<String> call(TestTollgate tg) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(request())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    List<HttpResponse<String>> concurrently(TestTollgate tg, int n) throws Exception {
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            fs.add(c.sendAsync(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.ofString(request())).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : fs) {
            out.add(f.get(30, TimeUnit.SECONDS));
        }
        return out;
    }

    BigDecimal spentInLog(TestTollgate tg, int records) throws Exception {
        BigDecimal sum = BigDecimal.ZERO;
        for (String line : tg.awaitRecords(records)) {
            JsonNode r = JSON.readTree(line);
            if (!r.get("cost_usd").isNull()) {
                sum = sum.add(r.get("cost_usd").decimalValue());
            }
        }
        return sum;
    }

    @Test
    void reserveModeNeverOverspendsUnderFiftyConcurrentCalls() throws Exception {
        BigDecimal limit = PER_CALL.multiply(BigDecimal.TEN);
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, config("reserve", limit.toPlainString()), ENV)) {
            List<HttpResponse<String>> rs = concurrently(tg, 50);
            long ok = rs.stream().filter(r -> r.statusCode() == 200).count();
            long refused = rs.stream().filter(r -> r.statusCode() == 429).count();
            assertThat(ok + refused).isEqualTo(50);
            assertThat(ok).isBetween(1L, 10L);
            assertThat(served.get()).isEqualTo((int) ok);
            assertThat(spentInLog(tg, 50)).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void afterModeOvershootIsBoundedByCallsInFlight() throws Exception {
        BigDecimal limit = PER_CALL.multiply(BigDecimal.TEN);
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, config("after", limit.toPlainString()), ENV)) {
            long ok = concurrently(tg, 50).stream().filter(r -> r.statusCode() == 200).count();
            BigDecimal spent = spentInLog(tg, 50);
            assertThat(ok).isGreaterThanOrEqualTo(10);
            // after the burst the budget is spent: the next call is refused
            assertThat(call(tg).statusCode()).isEqualTo(429);
            // the overshoot is at most the calls that were in flight when the limit was reached
            assertThat(spent).isLessThanOrEqualTo(PER_CALL.multiply(BigDecimal.valueOf(50)));
        }
    }

    @Test
    void refusalIsOpenAiShapedWithHeadersAndTheSdkSurfacesItWithoutRetrying() throws Exception {
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, config("reserve", "0.0001"), ENV)) {
            HttpResponse<String> first = call(tg);
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("x-tollgate-budget-remaining-usd")).isPresent();
            tg.awaitRecords(1);
            Thread.sleep(100);
            HttpResponse<String> refused = call(tg);
            assertThat(refused.statusCode()).isEqualTo(429);
            JsonNode err = JSON.readTree(refused.body()).get("error");
            assertThat(err.get("code").asText()).isEqualTo("budget_exceeded");
            assertThat(err.get("type").asText()).isEqualTo("insufficient_quota");
            assertThat(err.get("param").isNull()).isTrue();
            assertThat(err.get("message").asText()).contains("storybot").contains("daily").contains("0.0001");
            assertThat(refused.headers().firstValue("x-should-retry")).hasValue("false");
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(refused.headers().firstValue("x-tollgate-budget-limit-usd")).hasValue("0.0001");
            assertThat(refused.headers().firstValue("x-tollgate-budget-reset")).isPresent();
            assertThat(refused.body()).doesNotContain(KEY);
            JsonNode refusal = JSON.readTree(tg.awaitRecords(2).get(1));
            assertThat(refusal.get("status").asInt()).isEqualTo(429);
            assertThat(refusal.get("error").asText()).isEqualTo("budget_exceeded");
            assertThat(refusal.get("total_tokens").asLong()).isZero();
            assertThat(refusal.get("cost_usd").decimalValue()).isEqualByComparingTo("0");

            int before = served.get();
            OpenAIClient sdk = OpenAIOkHttpClient.builder().apiKey(KEY).baseUrl(tg.base() + "/v1").maxRetries(2).build();
            try {
                assertThatThrownBy(() -> sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("gpt-4o-mini").maxTokens(116).addUserMessage("hello there").build()))
                        .isInstanceOf(RateLimitException.class)
                        .hasMessageContaining("storybot");
            } finally {
                sdk.close();
            }
            assertThat(served.get()).isEqualTo(before);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            // one refusal by curl-like client, one by the SDK (x-should-retry: false stops its retries)
            assertThat(metrics).contains("tollgate_budget_rejections_total{key=\"storybot\",scope=\"key\",window=\"daily\"} 2.0");
        }
    }

    @Test
    void virtualKeyReachesTheUpstreamAndNowhereElse() throws Exception {
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, config("reserve", "5"), ENV)) {
            HttpResponse<String> r = call(tg);
            assertThat(r.statusCode()).isEqualTo(200);
            RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
            assertThat(rec.getHeaders().get("Authorization")).isEqualTo("Bearer " + REAL_UPSTREAM_KEY);
            assertThat(r.body() + r.headers().map()).doesNotContain(REAL_UPSTREAM_KEY);
            String log = String.join("\n", tg.awaitRecords(1));
            assertThat(log).contains("\"key\":\"storybot\"").doesNotContain(REAL_UPSTREAM_KEY).doesNotContain(KEY);
            // the budget gauges are set once the settlement completes, just after the record is written
            String gauge = "tollgate_budget_limit_usd{key=\"storybot\",window=\"daily\"} 5.0";
            String metrics = "";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!metrics.contains(gauge) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                metrics = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            }
            assertThat(metrics).doesNotContain(REAL_UPSTREAM_KEY).doesNotContain(KEY).contains(gauge);
        }
    }

    @Test
    void spendSurvivesARestart() throws Exception {
        String cfg = config("reserve", "1");
        BigDecimal remainingBefore;
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg, ENV)) {
            for (int i = 0; i < 3; i++) {
                assertThat(call(tg).statusCode()).isEqualTo(200);
            }
            tg.awaitRecords(3);
            Thread.sleep(100);
            remainingBefore = remaining(tg);
        }
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg, ENV)) {
            assertThat(remaining(tg)).isEqualByComparingTo(remainingBefore);
            assertThat(remainingBefore).isEqualByComparingTo(BigDecimal.ONE.subtract(PER_CALL.multiply(BigDecimal.valueOf(3))));
        }
    }

    BigDecimal remaining(TestTollgate tg) throws Exception {
        return tg.app.budgetRows().stream().filter(r -> r.key().equals("storybot") && r.window().equals("daily"))
                .findFirst().orElseThrow().remainingUsd();
    }

    @Test
    void unknownKeyGets401WhenKeysAreRequired() throws Exception {
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir,
                "keys_required: true\n" + config("reserve", "5"), ENV)) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer tg-someone-else").POST(HttpRequest.BodyPublishers.ofString(request())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(r.body()).doesNotContain("tg-someone-else");
            assertThat(served.get()).isZero();
            assertThat(call(tg).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void keyIdOfAnUnconfiguredKeyIsItsFingerprint() {
        assertThat(tollgate.metering.key.KeyIds.fingerprint(KEY)).isEqualTo("fp-" + Sha256.hex(KEY).substring(0, 12));
    }
}

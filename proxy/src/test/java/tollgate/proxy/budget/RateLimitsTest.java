package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.RateLimitException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.proxy.TestTollgate;

/** Requests and tokens per minute through the proxy (SPEC 11), as OpenAI's SDK sees them. */
class RateLimitsTest extends BudgetedCalls {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aHundredRequestsAgainstSixtyPerMinuteLetSixtyThrough() throws Exception {
        // the proxy's clock stands still: the bucket cannot refill while the burst is under way
        Clock still = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        String cfg = "rate_limits:\n  default: {requests_per_minute: 60}\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg, Map.of(), still)) {
            List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fs.add(http.sendAsync(request(tg, "sk-rate-key-1", Map.of()), HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> f : fs) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("60");
                if (r.statusCode() == 200) {
                    ok++;
                    assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).isPresent();
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.headers().firstValue("x-should-retry")).hasValue("true");
                    assertThat(r.headers().firstValue("retry-after")).hasValue("1");
                    assertThat(r.headers().firstValue("retry-after-ms")).hasValue("1000");
                    assertThat(r.headers().firstValue("x-tollgate-rate-limit-scope")).hasValue("key");
                    assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
                    JsonNode error = JSON.readTree(r.body()).get("error");
                    assertThat(error.get("code").asText()).isEqualTo("rate_limit_exceeded");
                    assertThat(error.get("type").asText()).isEqualTo("requests");
                    assertThat(error.get("message").asText()).contains("60 requests per minute", "try again in 1s");
                    assertThat(r.body()).doesNotContain("sk-rate-key-1");
                }
            }
            assertThat(ok).isEqualTo(60);
            assertThat(served.get()).isEqualTo(60);
            long limited = tg.awaitRecords(100).stream()
                    .filter(l -> l.contains("\"error\":\"rate_limit_exceeded\"")).count();
            assertThat(limited).isEqualTo(40);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern(
                    "tollgate_rate_limit_rejections_total\\{key=\"fp-[0-9a-f]+\",kind=\"requests\",scope=\"key\"} 40.0");
        }
    }

    @Test
    void tollgatesOwnErrorsAndBudgetRefusalsCarryTheRateLimitHeadersToo() throws Exception {
        String rates = "rate_limits:\n  default: {requests_per_minute: 60}\n";
        // an upstream nothing listens on: tollgate answers 502 itself
        try (TestTollgate tg = TestTollgate.start("http://127.0.0.1:9", dir, rates)) {
            HttpResponse<String> r = http.send(request(tg, "sk-rate-key-2", Map.of()), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("60");
            assertThat(r.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("59");
        }
        String budget = rates + "budgets:\n  default: [{window: daily, usd: 0.000001}]\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, budget)) {
            HttpResponse<String> r = http.send(request(tg, "sk-rate-key-3", Map.of()), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("budget_exceeded");
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("60");
            assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
            assertThat(served.get()).isZero();
        }
    }

    @Test
    void theSdkBacksOffUntilTheLimitOpensOrSeesItsRateLimitError() throws Exception {
        // twelve a minute: one more every five seconds, which the SDK's back-off (retry-after-ms) waits for
        String cfg = "rate_limits:\n  users: {default: {requests_per_minute: 12}}\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o-mini").maxTokens(116)
                    .user("user-42").addUserMessage("hello there").build();
            OpenAIClient noRetries = OpenAIOkHttpClient.builder().apiKey("sk-sdk-key").baseUrl(tg.base() + "/v1")
                    .maxRetries(0).build();
            OpenAIClient retrying = OpenAIOkHttpClient.builder().apiKey("sk-sdk-key").baseUrl(tg.base() + "/v1")
                    .maxRetries(2).build();
            try {
                int passed = 0;
                RateLimitException refused = null;
                while (refused == null && passed < 13) {
                    try {
                        noRetries.chat().completions().create(params);
                        passed++;
                    } catch (RateLimitException e) {
                        refused = e;
                    }
                }
                assertThat(passed).isEqualTo(12);
                assertThat(refused.statusCode()).isEqualTo(429);
                assertThat(refused.getMessage()).contains("user 'user-42'");
                assertThat(refused.headers().values("x-ratelimit-limit-requests")).containsExactly("12");

                int before = served.get();
                ChatCompletion answer = retrying.chat().completions().create(params);
                assertThat(answer.choices().get(0).message().content()).hasValue("ok");
                assertThat(served.get()).isEqualTo(before + 1);
                // the SDK was refused at least once before the bucket let it through
                long limited = tg.awaitRecords(passed + 2).stream()
                        .filter(l -> l.contains("\"error\":\"rate_limit_exceeded\"")).count();
                assertThat(limited).isGreaterThanOrEqualTo(2);
            } finally {
                noRetries.close();
                retrying.close();
            }
        }
    }

    @Test
    void tokensPerMinuteSettleToTheRealCount() throws Exception {
        Clock still = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        String cfg = "rate_limits:\n  global: {tokens_per_minute: 1000}\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg, Map.of(), still)) {
            HttpResponse<String> first = http.send(request(tg, "sk-a", Map.of()), HttpResponse.BodyHandlers.ofString());
            assertThat(first.statusCode()).isEqualTo(200);
            long afterFirst = Long.parseLong(first.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
            long reserved = 1000 - afterFirst;
            // prompt estimate + max_tokens 116
            assertThat(reserved).isGreaterThan(116).isLessThan(200);
            tg.awaitRecords(1);
            HttpResponse<String> second = http.send(request(tg, "sk-b", Map.of()), HttpResponse.BodyHandlers.ofString());
            // the first call used 126 tokens (its usage), not what it reserved
            assertThat(second.headers().firstValue("x-ratelimit-remaining-tokens"))
                    .hasValue(Long.toString(1000 - 126 - reserved));
            assertThat(second.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("1000");
            assertThat(second.headers().firstValue("x-ratelimit-reset-tokens")).isPresent();
        }
    }

    @Test
    void aBudgetRefusalTakesNothingFromTheRateLimits() throws Exception {
        Clock still = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        String cfg = "rate_limits:\n  default: {requests_per_minute: 2}\n"
                + "budgets:\n  users:\n    overrides: {broke: [{window: daily, usd: 0.00000001}]}\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg, Map.of(), still)) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = http.send(request(tg, "sk-a", Map.of("X-Tollgate-User", "broke")),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(429);
                assertThat(r.body()).contains("budget_exceeded");
            }
            HttpResponse<String> ok = http.send(request(tg, "sk-a", Map.of()), HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
        }
    }
}

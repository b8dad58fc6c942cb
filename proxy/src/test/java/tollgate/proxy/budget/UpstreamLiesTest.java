package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/** Issue 17, items 2 and 4 through the proxy: multipliers in the worst case, and usage numbers that cannot be true. */
class UpstreamLiesTest {
    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static String answer(String usage) {
        return "{\"id\":\"chatcmpl-x\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],"
                + "\"usage\":" + usage + "}";
    }

    HttpResponse<String> post(TestTollgate tg, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void absurdUsageIsEstimatedCountedAndNeverPoisonsTheLedger() throws Exception {
        try (MockWebServer upstream = Upstreams.answering(
                answer("{\"prompt_tokens\":10,\"completion_tokens\":1e400,\"total_tokens\":-7}"));
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir,
                     BudgetEnforcementTest.config("reserve", "0.01"), BudgetEnforcementTest.ENV)) {
            for (int i = 0; i < 3; i++) {
                assertThat(post(tg, BudgetEnforcementTest.request()).statusCode()).isEqualTo(200);
            }
            List<String> lines = tg.awaitRecords(3);
            for (String line : lines) {
                JsonNode r = BudgetEnforcementTest.JSON.readTree(line);
                assertThat(r.get("estimated").asBoolean()).isTrue();
                assertThat(r.get("error").asText()).isEqualTo("upstream_usage_invalid");
                assertThat(r.get("output_tokens").asLong()).isBetween(0L, 1000L);
                assertThat(r.get("total_tokens").asLong()).isBetween(1L, 1000L);
                assertThat(r.get("cost_usd").decimalValue()).isLessThan(new BigDecimal("0.001"));
            }
            // the budget still has room: the lies never reached the ledger
            assertThat(post(tg, BudgetEnforcementTest.request()).statusCode()).isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            tg.awaitRecords(4);
            assertThat(metrics).containsPattern("tollgate_upstream_usage_invalid_total [3-4]\\.0");
        }
    }

    @Test
    void nIsInTheWorstCaseSoFiftyConcurrentCallsWithNOf128NeverPassTheBudget() throws Exception {
        // what the upstream bills for n = 128 × max_tokens 10: 1,280 output tokens a call, $0.000771 with 20 input
        AtomicInteger served = new AtomicInteger();
        String limit = "0.001";
        try (MockWebServer upstream = Upstreams.answering(
                answer("{\"prompt_tokens\":20,\"completion_tokens\":1280,\"total_tokens\":1300}"), served);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir,
                     BudgetEnforcementTest.config("reserve", limit), BudgetEnforcementTest.ENV)) {
            String body = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":10,\"n\":128,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                if (c.get(30, TimeUnit.SECONDS).statusCode() == 200) {
                    ok++;
                }
            }
            assertThat(ok).isEqualTo(served.get()).isBetween(1, 1);
            BigDecimal spent = BigDecimal.ZERO;
            for (String line : tg.awaitRecords(50)) {
                JsonNode r = BudgetEnforcementTest.JSON.readTree(line);
                spent = spent.add(r.get("cost_usd").decimalValue());
            }
            assertThat(spent).isLessThanOrEqualTo(new BigDecimal(limit));
        }
    }
}

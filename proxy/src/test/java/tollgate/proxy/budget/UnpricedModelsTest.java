package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/** Issue 17, item 3: a budgeted call to a model the table does not price never spends without limit. */
class UnpricedModelsTest {
    static final String MODEL = "ft:gpt-4o-mini:acme::abc123";
    // priced as gpt-4o-mini: 10 × 0.15/1M + 116 × 0.60/1M = 0.0000711
    static final String ANSWER = "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"" + MODEL + "\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":116,\"total_tokens\":126}}";
    static final String BODY = "{\"model\":\"" + MODEL + "\",\"max_tokens\":116,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newHttpClient();
    final AtomicInteger served = new AtomicInteger();

    HttpResponse<String> post(TestTollgate tg) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String config(String unpriced) {
        return BudgetEnforcementTest.config("reserve", "1").replaceFirst("budgets:\n", "budgets:\n" + unpriced);
    }

    @Test
    void byDefaultABudgetedCallToAnUnpricedModelIsRefusedNamingTheModelAndTheSetting() throws Exception {
        try (MockWebServer upstream = Upstreams.answering(ANSWER, served);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, config(""), BudgetEnforcementTest.ENV)) {
            HttpResponse<String> r = post(tg);
            assertThat(r.statusCode()).isEqualTo(400);
            JsonNode err = BudgetEnforcementTest.JSON.readTree(r.body()).get("error");
            assertThat(err.get("code").asText()).isEqualTo("model_not_priced");
            assertThat(err.get("message").asText()).contains(MODEL).contains("budgets.unpriced");
            assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
            assertThat(served.get()).isZero();
            JsonNode rec = BudgetEnforcementTest.JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(rec.get("error").asText()).isEqualTo("model_not_priced");
            assertThat(rec.get("status").asInt()).isEqualTo(400);
        }
    }

    @Test
    void allowForwardsItAtNoCost() throws Exception {
        try (MockWebServer upstream = Upstreams.answering(ANSWER, served);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, config("  unpriced: allow\n"),
                     BudgetEnforcementTest.ENV)) {
            assertThat(post(tg).statusCode()).isEqualTo(200);
            JsonNode rec = BudgetEnforcementTest.JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(rec.get("cost_usd").isNull()).isTrue();
        }
    }

    @Test
    void priceAsBillsAndBudgetsItAtThatModelsPrices() throws Exception {
        try (MockWebServer upstream = Upstreams.answering(ANSWER, served);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir,
                     config("  unpriced: {price_as: gpt-4o-mini}\n"), BudgetEnforcementTest.ENV)) {
            HttpResponse<String> r = post(tg);
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode rec = BudgetEnforcementTest.JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(rec.get("priced_as").asText()).isEqualTo("gpt-4o-mini");
            assertThat(rec.get("cost_usd").decimalValue()).isEqualByComparingTo(BudgetEnforcementTest.PER_CALL);
        }
    }

    @Test
    void unbudgetedTrafficToUnpricedModelsFlowsAsBefore() throws Exception {
        try (MockWebServer upstream = Upstreams.answering(ANSWER, served);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "timeouts: {idle: 30s}\n")) {
            assertThat(post(tg).statusCode()).isEqualTo(200);
            assertThat(served.get()).isEqualTo(1);
        }
    }
}

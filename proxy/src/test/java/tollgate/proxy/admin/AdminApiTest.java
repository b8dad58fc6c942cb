package tollgate.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;
import tollgate.proxy.budget.BudgetEnforcementTest;

/** The admin API: token rules, budgets, reload, recent records and the live stream. */
class AdminApiTest {
    static final String ADMIN = "admin-token-for-tests-only";
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    MockWebServer upstream;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        upstream = Upstreams.answering(BudgetEnforcementTest.ANSWER);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    TestTollgate start(String yaml, boolean withToken) throws Exception {
        Map<String, String> env = new HashMap<>(BudgetEnforcementTest.ENV);
        if (withToken) {
            env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        }
        return TestTollgate.start(upstream.url("/").toString(), dir, yaml, env);
    }

    HttpResponse<String> get(TestTollgate tg, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tg.base() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(TestTollgate tg, String path, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tg.base() + path)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    void call(TestTollgate tg) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void adminIs404WithoutAConfiguredTokenAnd401WithAWrongOne() throws Exception {
        try (TestTollgate tg = start(BudgetEnforcementTest.config("reserve", "5"), false)) {
            assertThat(get(tg, "/admin/budgets", ADMIN).statusCode()).isEqualTo(404);
            assertThat(get(tg, "/healthz", null).statusCode()).isEqualTo(200);
            assertThat(get(tg, "/readyz", null).statusCode()).isEqualTo(200);
        }
        try (TestTollgate tg = start(BudgetEnforcementTest.config("reserve", "5"), true)) {
            HttpResponse<String> r = get(tg, "/admin/budgets", "wrong");
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).at("/error/code").isMissingNode()).isFalse();
            assertThat(get(tg, "/admin/budgets", null).statusCode()).isEqualTo(401);
            assertThat(get(tg, "/admin/budgets", ADMIN).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void budgetsListEachKeyWindowWithSpentReservedAndReset() throws Exception {
        try (TestTollgate tg = start(BudgetEnforcementTest.config("reserve", "5"), true)) {
            call(tg);
            tg.awaitRecords(1);
            Thread.sleep(100);
            JsonNode rows = JSON.readTree(get(tg, "/admin/budgets", ADMIN).body());
            JsonNode row = rows.get(0);
            assertThat(row.get("key").asText()).isEqualTo("storybot");
            assertThat(row.get("window").asText()).isEqualTo("daily");
            assertThat(row.get("limit_usd").decimalValue()).isEqualByComparingTo("5");
            assertThat(row.get("spent_usd").decimalValue()).isEqualByComparingTo(BudgetEnforcementTest.PER_CALL);
            assertThat(row.get("reserved_usd").decimalValue()).isEqualByComparingTo("0");
            assertThat(row.get("remaining_usd").decimalValue()).isEqualByComparingTo(new java.math.BigDecimal("5").subtract(BudgetEnforcementTest.PER_CALL));
            assertThat(row.get("resets_at").asText()).endsWith("Z");
            assertThat(rows.toString()).doesNotContain(BudgetEnforcementTest.KEY);
        }
    }

    @Test
    void reloadAppliesAValidConfigAndRefusesAnInvalidOne() throws Exception {
        try (TestTollgate tg = start(BudgetEnforcementTest.config("reserve", "5"), true)) {
            Files.writeString(tg.configFile, BudgetEnforcementTest.config("reserve", "7"));
            assertThat(post(tg, "/admin/reload", ADMIN).statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(get(tg, "/admin/budgets", ADMIN).body()).get(0).get("limit_usd").decimalValue()).isEqualByComparingTo("7");
            // the key's daily gauges, once a call has set them, go when a reload gives it a monthly budget instead
            call(tg);
            tg.awaitRecords(1);
            awaitMetrics(tg, "tollgate_budget_limit_usd{key=\"storybot\",window=\"daily\"} 7.0");
            Files.writeString(tg.configFile, BudgetEnforcementTest.config("reserve", "7").replace("daily", "monthly"));
            assertThat(post(tg, "/admin/reload", ADMIN).statusCode()).isEqualTo(200);
            assertThat(get(tg, "/metrics", null).body()).doesNotContain("window=\"daily\"");
            Files.writeString(tg.configFile, BudgetEnforcementTest.config("reserve", "7"));
            assertThat(post(tg, "/admin/reload", ADMIN).statusCode()).isEqualTo(200);

            Files.writeString(tg.configFile, "budgets: {mode: sometimes}\n");
            HttpResponse<String> refused = post(tg, "/admin/reload", ADMIN);
            assertThat(refused.statusCode()).isEqualTo(422);
            assertThat(refused.body()).contains("budgets.mode").contains("sometimes");
            // the running config stays, and calls still flow
            assertThat(JSON.readTree(get(tg, "/admin/budgets", ADMIN).body()).get(0).get("limit_usd").decimalValue()).isEqualByComparingTo("7");
            call(tg);
            tg.awaitRecords(2);
        }
    }

    /** Waits (bounded) until the scrape shows {@code line}: the gauges are set off the event loop after the record. */
    private void awaitMetrics(TestTollgate tg, String line) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        String body = "";
        while (System.nanoTime() < deadline && !(body = get(tg, "/metrics", null).body()).contains(line)) {
            Thread.onSpinWait();
        }
        assertThat(body).contains(line);
    }

    @Test
    void editingTheFileReloadsIt() throws Exception {
        try (TestTollgate tg = start(BudgetEnforcementTest.config("reserve", "5"), true)) {
            Thread.sleep(1100); // file systems with 1 s mtime granularity
            Files.writeString(tg.configFile, BudgetEnforcementTest.config("reserve", "9"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String limit = "";
            while (System.nanoTime() < deadline && !limit.equals("9")) {
                limit = JSON.readTree(get(tg, "/admin/budgets", ADMIN).body()).get(0).get("limit_usd").asText();
                Thread.sleep(100);
            }
            assertThat(limit).isEqualTo("9");
        }
    }

    @Test
    void recentAndLiveStreamShowNewRecordsInOrder() throws Exception {
        try (TestTollgate tg = start(BudgetEnforcementTest.config("reserve", "5"), true)) {
            HttpResponse<InputStream> stream = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/admin/usage/stream"))
                    .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).startsWith(":");
            Thread.sleep(100);
            call(tg);
            call(tg);
            String[] ids = new String[2];
            int seen = 0;
            String line;
            while (seen < 2 && (line = r.readLine()) != null) {
                if (line.startsWith("event:")) {
                    assertThat(line).isEqualTo("event: usage");
                } else if (line.startsWith("data: ")) {
                    ids[seen++] = JSON.readTree(line.substring(6)).get("request_id").asText();
                }
            }
            stream.body().close();
            JsonNode recent = JSON.readTree(get(tg, "/admin/usage/recent?limit=5", ADMIN).body());
            assertThat(recent).hasSize(2);
            // newest first; the stream delivered oldest first
            assertThat(recent.get(0).get("request_id").asText()).isEqualTo(ids[1]);
            assertThat(recent.get(1).get("request_id").asText()).isEqualTo(ids[0]);
        }
    }
}

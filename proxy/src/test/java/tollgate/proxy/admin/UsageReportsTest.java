package tollgate.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;
import tollgate.proxy.budget.BudgetEnforcementTest;
import tollgate.proxy.cli.TollgateCli;

/** /admin/usage, the stats command and /tollgate/v1/usage give the same exact numbers for the same calls. */
public class UsageReportsTest {
    static final String ADMIN = "admin-token-for-tests-only";
    static final String OTHER_KEY = "tg-other-key-0000000000000000000002";
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

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

    HttpResponse<String> get(TestTollgate tg, String path, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tg.base() + path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    void call(TestTollgate tg, String key, String user) throws Exception {
        http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + key).header("X-Tollgate-User", user)
                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code tollgate ...} run in-process: its exit code and what it printed. */
    public static String[] stats(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            int code = TollgateCli.run(args);
            return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
        }
    }

    /**
     * Past the day's bound on keys (metrics.max_keys) the in-memory report counts further keys as other; such a
     * key still sees its own calls in /tollgate/v1/usage, and an admin filtering by it sees them too, read from the
     * log, not $0.
     */
    @Test
    void aKeyFoldedIntoOtherStillSeesItsOwnUsage() throws Exception {
        String third = "sk-third-key-000000000000000000000003";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "metrics: {max_keys: 2}\n",
                Map.of("TOLLGATE_ADMIN_TOKEN", ADMIN))) {
            call(tg, "sk-first-key-000000000000000000000001", "alice");
            call(tg, "sk-second-key-00000000000000000000002", "alice");
            call(tg, third, "carol");
            call(tg, third, "carol");
            tg.awaitRecords(4);

            JsonNode byKey = JSON.readTree(get(tg, "/admin/usage?days=1&by=key", ADMIN).body());
            assertThat(byKey.at("/summary/requests").asLong()).isEqualTo(4);
            JsonNode self = JSON.readTree(get(tg, "/tollgate/v1/usage?days=1", third).body());
            assertThat(self.at("/summary/requests").asLong()).isEqualTo(2);
            assertThat(self.at("/summary/total_cost_usd").decimalValue())
                    .isEqualByComparingTo(BudgetEnforcementTest.PER_CALL.multiply(BigDecimal.valueOf(2)));
            assertThat(JSON.readTree(get(tg, "/tollgate/v1/usage?days=1", "sk-first-key-000000000000000000000001").body())
                    .at("/summary/requests").asLong()).isEqualTo(1);
            String fingerprint = "fp-" + tollgate.config.Sha256.hex(third).substring(0, 12);
            assertThat(JSON.readTree(get(tg, "/admin/usage?days=1&key=" + fingerprint, ADMIN).body())
                    .at("/summary/requests").asLong()).isEqualTo(2);
            // the log read is for the days memory keeps, as the report is: an older range stays a 400
            HttpResponse<String> old = get(tg, "/tollgate/v1/usage?since="
                    + java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(400), third);
            assertThat(old.statusCode()).isEqualTo(400);
            assertThat(old.body()).contains("tollgate stats");
        }
    }

    @Test
    void adminUsageEqualsStatsAndSelfServiceSeesOnlyItsOwnKey() throws Exception {
        Map<String, String> env = new HashMap<>(BudgetEnforcementTest.ENV);
        env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, BudgetEnforcementTest.config("reserve", "5"), env)) {
            for (int i = 0; i < 3; i++) {
                call(tg, BudgetEnforcementTest.KEY, "alice");
            }
            call(tg, OTHER_KEY, "bob");
            call(tg, OTHER_KEY, "bob");
            tg.awaitRecords(5);
            Thread.sleep(100);

            JsonNode admin = JSON.readTree(get(tg, "/admin/usage?days=1&by=key&by=user", ADMIN).body());
            assertThat(admin.at("/summary/requests").asLong()).isEqualTo(5);
            BigDecimal five = BudgetEnforcementTest.PER_CALL.multiply(BigDecimal.valueOf(5));
            assertThat(admin.at("/summary/total_cost_usd").decimalValue()).isEqualByComparingTo(five);
            assertThat(admin.at("/groups/key").size()).isEqualTo(2);

            String[] cli = stats("stats", "--log-dir", tg.logDir.toString(), "--days", "1", "--by", "key", "--by", "user", "--format", "json");
            assertThat(cli[0]).isEqualTo("0");
            JsonNode fromLog = JSON.readTree(cli[1]);
            assertThat(fromLog.get("summary")).isEqualTo(admin.get("summary"));
            assertThat(fromLog.get("groups")).isEqualTo(admin.get("groups"));

            JsonNode filtered = JSON.readTree(get(tg, "/admin/usage?days=1&user=bob", ADMIN).body());
            assertThat(filtered.at("/summary/requests").asLong()).isEqualTo(2);

            // self-service with key A: its 3 calls and its budget rows, nothing of key B
            HttpResponse<String> mine = get(tg, "/tollgate/v1/usage?days=1&by=user", BudgetEnforcementTest.KEY);
            assertThat(mine.statusCode()).isEqualTo(200);
            JsonNode self = JSON.readTree(mine.body());
            assertThat(self.at("/summary/requests").asLong()).isEqualTo(3);
            assertThat(self.at("/budgets/0/key").asText()).isEqualTo("storybot");
            assertThat(mine.body()).doesNotContain("bob").doesNotContain(BudgetEnforcementTest.KEY).doesNotContain("fp-");
            // warnings read the log: not a key holder's to ask for
            assertThat(JSON.readTree(get(tg, "/tollgate/v1/usage?days=1&warnings=true", BudgetEnforcementTest.KEY).body())
                    .has("warnings")).isFalse();
            assertThat(JSON.readTree(get(tg, "/admin/usage?days=1&warnings=true", ADMIN).body()).get("warnings").isArray()).isTrue();
            // asking for another key's data does not widen the view
            assertThat(JSON.readTree(get(tg, "/tollgate/v1/usage?days=1&key=fp-x", BudgetEnforcementTest.KEY).body())
                    .at("/summary/requests").asLong()).isEqualTo(3);
            // no key: 401 invalid_api_key
            HttpResponse<String> none = get(tg, "/tollgate/v1/usage", null);
            assertThat(none.statusCode()).isEqualTo(401);
            assertThat(none.body()).contains("invalid_api_key");

            String[] gate = stats("stats", "--log-dir", tg.logDir.toString(), "--days", "1", "--fail-above-usd", "0.0001");
            assertThat(gate[0]).isEqualTo("3");

            // the latest calls of the caller's own key, from the log's tail; nobody else's, no raw key
            HttpResponse<String> recent = get(tg, "/tollgate/v1/usage/recent?limit=2", BudgetEnforcementTest.KEY);
            assertThat(recent.statusCode()).isEqualTo(200);
            JsonNode mineRecent = JSON.readTree(recent.body());
            assertThat(mineRecent).hasSize(2).allSatisfy(r -> assertThat(r.get("key").asText()).isEqualTo("storybot"));
            assertThat(mineRecent.get(0).get("ts").asText()).isGreaterThanOrEqualTo(mineRecent.get(1).get("ts").asText());
            assertThat(recent.body()).doesNotContain("bob").doesNotContain(BudgetEnforcementTest.KEY);
            // what any key can make tollgate read is bounded: the last 31 days, not the whole log
            java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
            String line = java.nio.file.Files.readAllLines(tg.logDir.resolve("usage-" + today + ".jsonl")).stream()
                    .filter(l -> l.contains("\"storybot\"")).findFirst().orElseThrow();
            java.time.LocalDate old = today.minusDays(40);
            java.nio.file.Files.writeString(tg.logDir.resolve("usage-" + old + ".jsonl"),
                    line.replace(today.toString(), old.toString()).replaceFirst("\"request_id\":\"[^\"]*\"",
                            "\"request_id\":\"forty-days-ago\"") + "\n");
            HttpResponse<String> month = get(tg, "/tollgate/v1/usage/recent?limit=1000", BudgetEnforcementTest.KEY);
            assertThat(month.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(month.body())).isNotEmpty();
            assertThat(month.body()).doesNotContain("forty-days-ago");
            String[] cliAll = stats("recent", "--log-dir", tg.logDir.toString(), "--format", "json", "--limit", "1000");
            assertThat(cliAll[1]).contains("forty-days-ago"); // the CLI (the operator's) reads the whole log
            java.nio.file.Files.delete(tg.logDir.resolve("usage-" + old + ".jsonl"));
            assertThat(get(tg, "/tollgate/v1/usage/recent", null).statusCode()).isEqualTo(401);
            assertThat(get(tg, "/tollgate/v1/usage/recent?limit=0", BudgetEnforcementTest.KEY).statusCode()).isEqualTo(400);

            String[] all = stats("recent", "--log-dir", tg.logDir.toString(), "--format", "json");
            assertThat(all[0]).isEqualTo("0");
            assertThat(JSON.readTree(all[1])).hasSize(5);
            String[] bob = stats("recent", "--log-dir", tg.logDir.toString(), "--user", "bob", "--limit", "1");
            assertThat(bob[1].lines()).hasSize(2);
            assertThat(bob[1]).contains("bob").contains("TIME (UTC)").doesNotContain("alice");
        }
    }
}

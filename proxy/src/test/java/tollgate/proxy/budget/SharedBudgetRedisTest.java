package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.embedded.RedisServer;
import tollgate.proxy.LogCapture;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/** Two tollgate replicas on one real Redis enforce one budget. */
class SharedBudgetRedisTest {
    @TempDir
    Path dir;

    RedisServer redis;
    int redisPort;
    MockWebServer upstream;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        redisPort = freePort();
        try {
            redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1").setting("save \"\"").setting("appendonly no").build();
            redis.start();
        } catch (IOException | RuntimeException e) {
            String reason = "SKIPPED shared-budget test: the embedded Redis did not start: " + e;
            System.err.println(reason);
            Assumptions.abort(reason);
        }
        upstream = Upstreams.answering(BudgetEnforcementTest.ANSWER);
    }

    @AfterEach
    void stop() throws IOException {
        if (upstream != null) {
            upstream.close();
        }
        if (redis != null && redis.isActive()) {
            redis.stop();
        }
    }

    @Test
    void twoReplicasShareOneBudgetThroughRedis() throws Exception {
        BigDecimal limit = BudgetEnforcementTest.PER_CALL.multiply(BigDecimal.valueOf(6));
        String cfg = "budgets:\n  store: redis://127.0.0.1:" + redisPort + "\n"
                + "keys:\n  - name: storybot\n    key_env: STORYBOT_KEY\n    budgets:\n      - {window: daily, usd: " + limit.toPlainString() + "}\n";
        try (TestTollgate a = TestTollgate.start(upstream.url("/").toString(), dir.resolve("a"), cfg, BudgetEnforcementTest.ENV);
             TestTollgate b = TestTollgate.start(upstream.url("/").toString(), dir.resolve("b"), cfg, BudgetEnforcementTest.ENV)) {
            int ok = 0;
            int okOnA = 0;
            int okOnB = 0;
            for (int i = 0; i < 20; i++) {
                TestTollgate tg = i % 2 == 0 ? a : b;
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                        .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    ok++;
                    if (tg == a) {
                        okOnA++;
                    } else {
                        okOnB++;
                    }
                    // settle before the next call, so the count is exact
                    tg.awaitRecords(tg == a ? okOnA : okOnB);
                    Thread.sleep(50);
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.body()).contains("budget_exceeded");
                }
            }
            // six calls' cost affords six calls in total, whichever replica served them (worst case ≥ real cost)
            assertThat(ok).isBetween(5, 6);
            assertThat(okOnA).isPositive();
            assertThat(okOnB).isPositive();
        }
    }

    @Test
    void fortyConcurrentCallsByFiveKeysOfOneUserOnTwoReplicasNeverPassTheUsersBudget() throws Exception {
        BigDecimal limit = BudgetEnforcementTest.PER_CALL.multiply(BigDecimal.valueOf(13));
        String cfg = "budgets:\n  store: redis://127.0.0.1:" + redisPort + "\n  on_store_failure: deny\n"
                + "  users:\n    default: [{window: monthly, usd: " + limit.toPlainString() + "}]\n";
        HttpClient h1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (TestTollgate a = TestTollgate.start(upstream.url("/").toString(), dir.resolve("a"), cfg);
             TestTollgate b = TestTollgate.start(upstream.url("/").toString(), dir.resolve("b"), cfg)) {
            // each replica's Redis connection comes up in the background; with on_store_failure: deny a call before it
            // is refused for the store, not the budget: another user's call, until it passes, says it is up
            for (TestTollgate tg : java.util.List.of(a, b)) {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                while (h1.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-user-key-warmup").header("X-Tollgate-User", "warmup")
                        .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() != 200) {
                    assertThat(System.nanoTime()).as("the store connected within 10 s").isLessThan(deadline);
                    Thread.sleep(20);
                }
            }
            java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 40; i++) {
                TestTollgate tg = i % 2 == 0 ? a : b;
                fs.add(h1.sendAsync(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-user-key-" + (i % 5)).header("X-Tollgate-User", "123")
                        .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            for (java.util.concurrent.CompletableFuture<HttpResponse<String>> f : fs) {
                HttpResponse<String> r = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.headers().firstValue("x-tollgate-budget-scope")).hasValue("user");
                }
            }
            assertThat(ok).isBetween(1, 13);
        }
    }

    @Test
    void aRedisOutageLogsOneLineNotOnePerCall() throws Exception {
        String cfg = "budgets:\n  store: redis://127.0.0.1:" + freePort() + "\n  on_store_failure: allow\n"
                + "  default: [{window: daily, usd: 5}]\n";
        LogCapture logged = LogCapture.start();
        try (logged; TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-outage-key")
                        .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            tg.awaitRecords(20);
            String metrics = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("tollgate_budget_store_failures_total (2\\d|[3-9]\\d)\\.0");
        }
        // every failure is counted; the log says it once (then at most every 10 s), naming the policy in effect
        assertThat(logged.lines(ch.qos.logback.classic.Level.WARN).stream().filter(m -> m.contains("on_store_failure")))
                .singleElement().asString().contains("allow");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

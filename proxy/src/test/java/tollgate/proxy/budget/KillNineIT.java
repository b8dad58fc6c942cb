package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 6, with the runnable jar as a process: kill -9 while the upstream holds budgeted calls, restart on
 * the same log folder, and the budget still knows them (each charged at its worst case), where before it forgot them.
 */
class KillNineIT {
    @TempDir
    Path dir;

    record Running(Process process, int port) {}

    Running start(String upstream, Path config) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", Path.of("target/tollgate.jar").toString(), "serve", "--config", config.toString(),
                "--listen", "127.0.0.1:0", "--upstream", upstream, "--log-dir", dir.resolve("logs").toString())
                .redirectErrorStream(true);
        pb.environment().putAll(BudgetEnforcementTest.ENV);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
        String line;
        while ((line = out.readLine()) != null) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe from filling
                        }
                    } catch (Exception ignored) {
                        // the process is gone
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return new Running(p, Integer.parseInt(m.group(1)));
            }
        }
        throw new AssertionError("tollgate did not start");
    }

    @Test
    void callsInFlightAtAKillAreChargedAfterTheRestart() throws Exception {
        AtomicInteger served = new AtomicInteger();
        MockWebServer upstream = new MockWebServer();
        upstream.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                served.incrementAndGet();
                // the upstream has the call and never answers: it is in flight when tollgate is killed
                return new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build();
            }
        });
        upstream.start();
        Path config = dir.resolve("tollgate.yaml");
        Files.writeString(config, BudgetEnforcementTest.config("reserve", "0.002"));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Running first = start(upstream.url("/").toString(), config);
        int admitted;
        try {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            AtomicInteger refused = new AtomicInteger();
            for (int i = 0; i < 50; i++) {
                CompletableFuture<HttpResponse<String>> c = http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port() + "/v1/chat/completions"))
                                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString());
                c.thenAccept(r -> {
                    if (r.statusCode() == 429) {
                        refused.incrementAndGet();
                    }
                });
                calls.add(c);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (served.get() + refused.get() < 50 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            admitted = served.get();
            assertThat(admitted + refused.get()).as("every call answered 429 or held by the upstream").isEqualTo(50);
            assertThat(admitted).isBetween(1, 49);
        } finally {
            first.process().destroyForcibly(); // SIGKILL: no shutdown hook, no drain, no flush
            first.process().waitFor(10, TimeUnit.SECONDS);
        }

        Running second = start(upstream.url("/").toString(), config);
        try {
            HttpResponse<String> after;
            try {
                after = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + second.port() + "/v1/chat/completions"))
                                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                                .timeout(java.time.Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException forwarded) {
                throw new AssertionError("after the restart the call was forwarded (the stalling upstream has it): "
                        + "the killed calls were forgotten by the budget", forwarded);
            }
            assertThat(after.statusCode()).as("the killed calls still hold the budget").isEqualTo(429);
            assertThat(served.get()).isEqualTo(admitted);
        } finally {
            second.process().destroyForcibly();
            second.process().waitFor(10, TimeUnit.SECONDS);
            upstream.close();
        }
        Path log = dir.resolve("logs").resolve("usage-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl");
        int restarted = 0;
        BigDecimal charged = BigDecimal.ZERO;
        for (String line : Files.readAllLines(log)) {
            JsonNode r = BudgetEnforcementTest.JSON.readTree(line);
            if ("tollgate_restarted".equals(r.path("error").asText())) {
                restarted++;
                assertThat(r.get("estimated").asBoolean()).isTrue();
                assertThat(r.get("key").asText()).isEqualTo("storybot");
                charged = charged.add(r.get("cost_usd").decimalValue());
            }
        }
        assertThat(restarted).isEqualTo(admitted);
        // spend ≥ what the upstream served: each served call is charged at least its real cost's bound
        assertThat(charged).isGreaterThanOrEqualTo(BudgetEnforcementTest.PER_CALL.multiply(BigDecimal.valueOf(admitted)));
    }
}

package tollgate.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image of deploy/Dockerfile run the way users run it: read-only root, a log volume, the port published,
 * an upstream on the host. Built with the prebuilt jar on a JRE base made from Debian packages.
 */
@Tag("containers")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerImageIT {
    @TempDir
    static Path tmp;

    PodmanHost host;
    String image;
    final String name = "tollgate-" + PodmanHost.RUN_ID + "-image";
    final List<String> containers = new ArrayList<>();
    Path logDir;
    ProxyClient proxy;
    HostUpstream upstream;
    int upstreamPort;

    @BeforeAll
    void start() throws Exception {
        host = PodmanHost.orNull();
        if (host == null) {
            return; // each test reports the reason as skipped
        }
        image = host.tollgateImage();
        logDir = PodmanHost.logFolder(tmp);
        upstreamPort = ProxyClient.freePort();
        proxy = run(name, logDir, null);
        upstream = new HostUpstream(InetAddress.getByName(host.hostAddressSeenBy(name)), upstreamPort);
        proxy.awaitOk("/healthz", Duration.ofSeconds(90));
    }

    @BeforeEach
    void engine() {
        PodmanHost.require();
    }

    /** Starts the image as Docker users would with --read-only (no automatic tmpfs: /tmp is given). */
    ProxyClient run(String container, Path logs, Path config) throws Exception {
        int port = ProxyClient.freePort();
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", container,
                "--read-only", "--read-only-tmpfs=false", "--tmpfs", "/tmp",
                "-p", "127.0.0.1:" + port + ":8080", "-v", logs + ":/var/lib/tollgate",
                "-e", "TOLLGATE_UPSTREAM=http://host.containers.internal:" + upstreamPort));
        if (config != null) {
            args.addAll(List.of("-v", config + ":/etc/tollgate/tollgate.yaml:ro"));
        }
        args.add(image);
        containers.add(container);
        host.podman(args.toArray(String[]::new)).orFail();
        return new ProxyClient(port);
    }

    @AfterAll
    void stop() {
        if (upstream != null) {
            upstream.close();
        }
        if (host != null) {
            containers.forEach(host::removeContainer);
        }
    }

    @Test
    void healthzAnswersOnThePublishedPortAndTheImageHealthcheckPasses() throws Exception {
        HttpResponse<String> health = proxy.get("/healthz");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("ok");
        assertThat(host.podman("image", "inspect", "--format", "{{json .HealthCheck}}", image).orFail().out())
                .contains("/opt/tollgate/healthcheck.sh");
        assertThat(host.podman("healthcheck", "run", name).code()).as("HEALTHCHECK of a running tollgate").isZero();
        // the same check where nothing listens must fail, or it would prove nothing
        Shell.Result idle = host.podman("run", "--rm", "--entrypoint", "/opt/tollgate/healthcheck.sh", image);
        assertThat(idle.code()).as("HEALTHCHECK with no tollgate running").isNotZero();
    }

    @Test
    void aCallThroughTheContainerIsMeteredIntoTheMountedLogVolume() throws Exception {
        String key = "sk-it-image-" + UUID.randomUUID();
        HttpResponse<String> r = proxy.chat(key, ProxyClient.chatBody("gpt-4o-mini", false),
                Map.of("X-Mock-Prompt-Tokens", "1200", "X-Mock-Completion-Tokens", "80", "X-Test-Call", key));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("hello from the host upstream");
        HostUpstream.Call seen = upstream.awaitCall(key);
        assertThat(seen.authorization()).as("the caller's own key goes upstream").isEqualTo("Bearer " + key);
        assertThat(seen.body().path("model").asText()).isEqualTo("gpt-4o-mini");

        String id = UsageLogLines.keyId(key);
        JsonNode rec = UsageLogLines.await(() -> UsageLogLines.inFolder(logDir), n -> id.equals(n.path("key").asText()), "key " + id);
        assertThat(rec.path("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(rec.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(rec.path("status").asInt()).isEqualTo(200);
        assertThat(rec.path("input_tokens").asLong()).isEqualTo(1200);
        assertThat(rec.path("output_tokens").asLong()).isEqualTo(80);
        assertThat(rec.path("estimated").asBoolean()).isFalse();
        assertThat(UsageLogLines.cost(rec)).isPositive();
        assertThat(rec.toString()).doesNotContain(key);
        try (var files = Files.list(logDir)) {
            Path log = files.filter(p -> p.getFileName().toString().startsWith("usage-")).findFirst().orElseThrow();
            assertThat(Files.getAttribute(log, "unix:uid")).as("owner of %s", log).isEqualTo(10001);
        }
        assertThat(proxy.get("/metrics").body()).contains("tollgate_cost_usd_total{key=\"" + id + "\"");
        // the jar's other commands run in the same container and find the log through TOLLGATE_LOG_DIR
        Shell.Result stats = host.podman("exec", name, "/opt/tollgate/entrypoint.sh", "stats", "--key", id, "--format", "json").orFail();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(stats.out()).path("summary").path("input_tokens").asLong())
                .isEqualTo(1200);
    }

    @Test
    void theJvmIsPid1AndRunsAsTheImagesNonRootUid() {
        assertThat(host.podman("image", "inspect", "--format", "{{.Config.User}}", image).orFail().out().strip())
                .isEqualTo("10001:10001");
        String status = host.podman("exec", name, "cat", "/proc/1/status").orFail().out();
        assertThat(status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+"))
                .containsExactly("Uid:", "10001", "10001", "10001", "10001");
        // exec form + exec in the entrypoint: the JVM itself is PID 1 and receives SIGTERM
        String cmdline = host.podman("exec", name, "cat", "/proc/1/cmdline").orFail().out();
        assertThat(cmdline.split("\0")[0]).endsWith("java");
        assertThat(cmdline).contains("-XX:MaxRAMPercentage=").contains("-XX:+ExitOnOutOfMemoryError");
    }

    @Test
    void itRunsWithAReadOnlyRootFilesystemAndWritesOnlyToItsVolume() {
        assertThat(host.podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name).orFail().out().strip()).isEqualTo("true");
        Shell.Result write = host.podman("exec", name, "sh", "-c", "echo x > /opt/tollgate/probe");
        assertThat(write.code()).isNotZero();
        assertThat(write.err()).contains("Read-only file system");
        host.podman("exec", name, "sh", "-c", "echo x > /var/lib/tollgate/.probe && rm /var/lib/tollgate/.probe").orFail();
        // with /tmp writable Netty loads its native transport even though the root is read-only
        assertThat(host.logs(name)).contains("listening on 0.0.0.0:8080").contains("epoll transport");
    }

    @Test
    void aMountedConfigFileIsUsedAndABadOneStopsStartWithItsReason() throws Exception {
        String key = "sk-it-named-" + UUID.randomUUID();
        Path config = Files.writeString(tmp.resolve("tollgate.yaml"), String.join("\n",
                "limits:", "  max_request_bytes: 2048",
                "keys:", "  - name: it-named-key", "    key_sha256: \"" + UsageLogLines.sha256(key) + "\"", ""));
        Path logs = Files.createDirectories(tmp.resolve("config-log"));
        PodmanHost.logFolder(logs);
        ProxyClient configured = run(name + "-config", logs.resolve("log"), config);
        configured.awaitOk("/healthz", Duration.ofSeconds(90));

        String big = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(4000) + "\"}]}";
        HttpResponse<String> refused = configured.chat(key, big, Map.of());
        assertThat(refused.statusCode()).isEqualTo(413);
        assertThat(refused.body()).contains("request_too_large");
        assertThat(configured.chat(key, ProxyClient.chatBody("gpt-4o-mini", false), Map.of()).statusCode()).isEqualTo(200);
        UsageLogLines.await(() -> UsageLogLines.inFolder(logs.resolve("log")), n -> n.path("key").asText().equals("it-named-key"),
                "the key named in the mounted config");

        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "budgets:\n  mode: sometimes\n");
        Shell.Result refusedStart = host.podman(Duration.ofMinutes(2), "run", "--rm", "--read-only",
                "-v", bad + ":/etc/tollgate/tollgate.yaml:ro", image);
        assertThat(refusedStart.code()).as(refusedStart.describe()).isEqualTo(2);
        assertThat(refusedStart.err()).contains("budgets.mode").contains("sometimes");
    }

    @Test
    void podmanStopLetsAnInFlightStreamFinishAndTheProcessExitsCleanly() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("stop-log"));
        PodmanHost.logFolder(logs);
        String container = name + "-stop";
        ProxyClient stopping = run(container, logs.resolve("log"), null);
        stopping.awaitOk("/healthz", Duration.ofSeconds(90));
        String key = "sk-it-stop-" + UUID.randomUUID();
        upstream.holdStreams();
        try {
            HttpResponse<InputStream> stream = stopping.chatStream(key, ProxyClient.chatBody("gpt-4o-mini", true));
            assertThat(stream.statusCode()).isEqualTo(200);
            CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> readAll(stream.body()));
            assertThat(upstream.firstStreamChunkSent.await(30, TimeUnit.SECONDS)).as("the stream started").isTrue();

            CompletableFuture<Shell.Result> stop = CompletableFuture.supplyAsync(
                    () -> host.podman(Duration.ofMinutes(2), "stop", "-t", "60", container));
            awaitLog(container, "draining in-flight calls");
            upstream.releaseStreams();

            List<String> received = lines.get(60, TimeUnit.SECONDS);
            assertThat(String.join("\n", received)).contains("chunk-0").contains("chunk-4");
            assertThat(received).contains("data: [DONE]");
            assertThat(stop.get(2, TimeUnit.MINUTES).code()).isZero();
        } finally {
            upstream.releaseStreams();
        }
        // 143 = 128 + SIGTERM: the JVM's own status after a shutdown hook ran; 137 would mean podman had to SIGKILL it
        String exit = host.podman("inspect", "--format", "{{.State.ExitCode}}", container).orFail().out().strip();
        assertThat(exit).isIn("0", "143");
        assertThat(host.logs(container)).contains("tollgate stopped");
        JsonNode rec = UsageLogLines.await(() -> UsageLogLines.inFolder(logs.resolve("log")),
                n -> n.path("key").asText().equals(UsageLogLines.keyId(key)), "the drained stream");
        assertThat(rec.path("stream").asBoolean()).isTrue();
        assertThat(rec.path("error").isNull()).as(rec.toString()).isTrue();
        assertThat(rec.path("output_tokens").asLong()).isEqualTo(50);
    }

    private void awaitLog(String container, String text) throws InterruptedException {
        for (int i = 0; i < 120; i++) {
            if (host.logs(container).contains(text)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("\"" + text + "\" not in the logs of " + container + ":\n" + host.logs(container));
    }

    private static List<String> readAll(InputStream body) {
        List<String> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                out.add(line);
            }
        } catch (java.io.IOException e) {
            out.add("(stream broken: " + e + ")");
        }
        return out;
    }
}

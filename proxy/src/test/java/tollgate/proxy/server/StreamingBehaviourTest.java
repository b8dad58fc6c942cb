package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.ScriptedUpstream;
import tollgate.proxy.TestTollgate;

/** Backpressure toward a slow reader and the graceful stop that lets streams finish. */
class StreamingBehaviourTest {
    @TempDir
    Path dir;

    @Test
    void slowClientPausesUpstreamReadsInsteadOfBuffering() throws Exception {
        AtomicLong upstreamWritten = new AtomicLong();
        String event = "data: " + "x".repeat(8 * 1024) + "\n\n";
        CountDownLatch upstreamDone = new CountDownLatch(1);
        try (ScriptedUpstream up = new ScriptedUpstream((head, body, out) -> {
            ScriptedUpstream.sseHead(out);
            try {
                for (int i = 0; i < 6000; i++) { // 48 MiB offered
                    ScriptedUpstream.chunk(out, event);
                    upstreamWritten.addAndGet(event.length());
                }
                ScriptedUpstream.chunk(out, "");
            } finally {
                upstreamDone.countDown();
            }
        }); TestTollgate tg = TestTollgate.start(up.url(), dir, "{}")) {
            try (Socket s = new Socket("127.0.0.1", tg.port())) {
                s.setReceiveBufferSize(16 * 1024);
                s.getOutputStream().write("GET /v1/stream HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                in.readNBytes(1024); // the stream has started; now the client stops reading
                Thread.sleep(1500);
                long offered = upstreamWritten.get();
                // kernel socket buffers (auto-tuned, up to several MiB per socket on loopback) hold some of it;
                // without backpressure tollgate would take all 48 MiB into memory
                assertThat(offered).isLessThan(24L * 1024 * 1024);
                assertThat(tg.app.backpressurePauses()).isPositive();
                // reading again drains everything
                long total = 1024;
                byte[] buf = new byte[64 * 1024];
                int n;
                s.setSoTimeout(10_000);
                while ((n = in.read(buf)) > 0) {
                    total += n;
                    if (upstreamDone.getCount() == 0 && total >= upstreamWritten.get()) {
                        break;
                    }
                }
                assertThat(upstreamDone.await(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void gracefulStopLetsAnInFlightStreamFinish() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        try (ScriptedUpstream up = new ScriptedUpstream((head, body, out) -> {
            ScriptedUpstream.sseHead(out);
            for (int i = 0; i < 10; i++) {
                ScriptedUpstream.chunk(out, "data: {\"i\":" + i + "}\n\n");
                started.countDown();
                Thread.sleep(100);
            }
            ScriptedUpstream.chunk(out, "data: [DONE]\n\n");
            ScriptedUpstream.chunk(out, "");
        })) {
            TestTollgate tg = TestTollgate.start(up.url(), dir, "{}");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            CompletableFuture<HttpResponse<String>> res = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> tg.app.stop(Duration.ofSeconds(10)));
            Thread.sleep(200);
            // no new connections while draining
            assertThat(canConnect(tg.port())).isFalse();
            HttpResponse<String> r = res.get(10, TimeUnit.SECONDS);
            assertThat(r.body()).contains("\"i\":9").endsWith("data: [DONE]\n\n");
            stopping.get(10, TimeUnit.SECONDS);
        }
    }

    private static boolean canConnect(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}

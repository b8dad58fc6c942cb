package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.ScriptedUpstream;
import tollgate.proxy.TestTollgate;

class ForwardingTest {
    @TempDir
    Path dir;

    MockWebServer upstream;
    TestTollgate tollgate;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        upstream = new MockWebServer();
        upstream.start();
        tollgate = TestTollgate.start(upstream.url("/base").toString(), dir,
                "timeouts: {first_byte: 1s, idle: 1s}\nlimits: {max_request_bytes: 1024}\n");
    }

    @AfterEach
    void stop() throws Exception {
        tollgate.close();
        upstream.close();
    }

    @Test
    void nonStreamedBodyArrivesByteIdenticalWithStatusAndHeaders() throws Exception {
        String body = "{\"id\":\"x\",\"weird\":\"\\u00e9 \u00e9\",\n \"n\": 1.50}";
        upstream.enqueue(new MockResponse.Builder().code(201).addHeader("Content-Type", "application/json")
                .addHeader("x-ratelimit-remaining-requests", "99").body(body).build());
        HttpResponse<byte[]> res = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/models?limit=2"))
                .header("Authorization", "Bearer test-key").GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(res.statusCode()).isEqualTo(201);
        assertThat(new String(res.body(), StandardCharsets.UTF_8)).isEqualTo(body);
        assertThat(res.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("99");
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getTarget()).isEqualTo("/base/v1/models?limit=2");
        assertThat(rec.getHeaders().get("Authorization")).isEqualTo("Bearer test-key");
    }

    @Test
    void anUpstreamsInformationalAnswersAreNotTheAnswer() throws Exception {
        // a CDN's 103 Early Hints, or an unasked 100: the caller gets the final answer, metered as such
        String body = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";
        upstream.enqueue(new MockResponse.Builder()
                .addInformationalResponse(new MockResponse.Builder().code(100).build())
                .addInformationalResponse(new MockResponse.Builder().code(103).addHeader("Link", "</a.css>; rel=preload").build())
                .addHeader("Content-Type", "application/json").body(body).build());
        upstream.enqueue(new MockResponse.Builder().body("{\"second\":true}").build());
        HttpRequest post = HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer test-key")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[]}")).build();

        HttpResponse<String> res = http.send(post, HttpResponse.BodyHandlers.ofString());

        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo(body);
        assertThat(res.headers().firstValue("link")).isEmpty();
        String record = tollgate.awaitRecords(1).get(0);
        assertThat(record).contains("\"status\":200", "\"input_tokens\":7", "\"output_tokens\":3");
        // the connection goes back to the pool after the final answer, not the informational one
        assertThat(http.send(post, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("{\"second\":true}");
    }

    @Test
    void hopByHopAndTollgateHeadersAreDroppedAndHostIsTheUpstreams() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("ok").build());
        try (Socket s = new Socket("127.0.0.1", tollgate.port())) {
            String req = "POST /v1/chat/completions HTTP/1.1\r\nHost: tollgate.local\r\n"
                    + "Connection: keep-alive, X-Custom-Hop\r\nX-Custom-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                    + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nTE: trailers\r\n"
                    + "X-Tollgate-Tag-Team: search\r\nX-Tollgate-User: u1\r\nX-Keep: yes\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(r.readLine()).isEqualTo("HTTP/1.1 200 OK");
        }
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getHeaders().get("Host")).isEqualTo(upstream.getHostName() + ":" + upstream.getPort());
        assertThat(rec.getHeaders().get("X-Keep")).isEqualTo("yes");
        assertThat(rec.getHeaders().get("X-Forwarded-For")).isEqualTo("127.0.0.1");
        assertThat(rec.getHeaders().get("X-Forwarded-Proto")).isEqualTo("http");
        for (String gone : new String[] {"X-Custom-Hop", "Keep-Alive", "Upgrade", "HTTP2-Settings", "TE",
                "X-Tollgate-Tag-Team", "X-Tollgate-User"}) {
            assertThat(rec.getHeaders().get(gone)).as(gone).isNull();
        }
        assertThat(rec.getBody().utf8()).isEqualTo("{}");
    }

    @Test
    void pipelinedRequestsAreAnsweredOneAtATimeInOrderAndTheConnectionStaysUsable() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("first").build());
        upstream.enqueue(new MockResponse.Builder().body("third").build());
        upstream.enqueue(new MockResponse.Builder().body("fourth").build());
        try (Socket s = new Socket("127.0.0.1", tollgate.port())) {
            s.setSoTimeout(5_000);
            String post = "POST /v1/embeddings HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 2\r\n\r\n{}";
            // three requests in one write: the second (a local route) and the third wait while the first is answered
            String three = post + "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n" + post;
            s.getOutputStream().write(three.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            assertThat(readAnswerBody(in)).isEqualTo("first");
            assertThat(readAnswerBody(in)).contains("ok");
            assertThat(readAnswerBody(in)).isEqualTo("third");
            // and the connection reads again once nothing is held
            s.getOutputStream().write(post.getBytes(StandardCharsets.US_ASCII));
            assertThat(readAnswerBody(in)).isEqualTo("fourth");
        }
        assertThat(upstream.getRequestCount()).isEqualTo(3);
    }

    /** Reads one HTTP/1.1 200 answer with a Content-Length body from {@code in} and returns its body. */
    private static String readAnswerBody(InputStream in) throws Exception {
        String answer = HardeningTest.readAnswer(in);
        int end = answer.indexOf("\r\n\r\n");
        assertThat(end).as("connection closed mid-head: " + answer).isNotNegative();
        assertThat(answer).startsWith("HTTP/1.1 200");
        assertThat(answer.substring(0, end).toLowerCase(java.util.Locale.ROOT)).as("content-length in " + answer)
                .contains("\r\ncontent-length:");
        return answer.substring(end + 4);
    }

    @Test
    void jdkClientOfferingH2cIsAnsweredOverHttp11WithBodyIntact() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("{\"ok\":true}").build());
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/embeddings"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hi\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(res.body()).isEqualTo("{\"ok\":true}");
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getBody().utf8()).isEqualTo("{\"input\":\"hi\"}");
    }

    @Test
    void contentLengthWithTransferEncodingIsNeverForwardedWithBoth() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("ok").build());
        try (Socket s = new Socket("127.0.0.1", tollgate.port())) {
            String req = "POST /v1/x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "2\r\n{}\r\n0\r\n\r\n";
            s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            if (status.startsWith("HTTP/1.1 400")) {
                return; // refused: allowed by SPEC 2
            }
            assertThat(status).isEqualTo("HTTP/1.1 200 OK");
        }
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getHeaders().get("Transfer-Encoding")).isNull();
        assertThat(rec.getHeaders().get("Content-Length")).isEqualTo("2");
        assertThat(rec.getBody().utf8()).isEqualTo("{}");
    }

    @Test
    void sseArrivesIncrementallyBeforeTheUpstreamSendsTheNextEvent() throws Exception {
        CountDownLatch clientHasFirst = new CountDownLatch(1);
        CountDownLatch secondSent = new CountDownLatch(1);
        try (ScriptedUpstream sse = new ScriptedUpstream((head, body, out) -> {
            ScriptedUpstream.sseHead(out);
            ScriptedUpstream.chunk(out, "data: {\"n\":1}\n\n");
            if (clientHasFirst.await(5, TimeUnit.SECONDS)) {
                ScriptedUpstream.chunk(out, "data: {\"n\":2}\n\ndata: [DONE]\n\n");
                secondSent.countDown();
                ScriptedUpstream.chunk(out, "");
            }
        }); TestTollgate tg = TestTollgate.start(sse.url(), dir.resolve("sse"), "{}")) {
            HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(res.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
            BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("data: {\"n\":1}");
            assertThat(secondSent.getCount()).as("event 2 not yet sent by the upstream").isEqualTo(1);
            clientHasFirst.countDown();
            assertThat(r.readLine()).isEmpty();
            assertThat(r.readLine()).isEqualTo("data: {\"n\":2}");
            assertThat(r.readLine()).isEmpty();
            assertThat(r.readLine()).isEqualTo("data: [DONE]");
            r.close();
        }
    }

    @Test
    void oversizedBodyGets413InOpenAiShape() throws Exception {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(413);
        assertThat(res.body()).contains("\"code\":\"request_too_large\"").contains("\"param\":null");
        assertThat(upstream.getRequestCount()).isZero();
    }

    @Test
    void oversizedBodyAnnouncedWithExpectContinueGets413InOpenAiShapeInsteadOf100() throws Exception {
        // curl sends Expect: 100-continue for bodies over 1 MB and waits for the answer before sending them
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", java.net.URI.create(tollgate.base()).getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 5000\r\nExpect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue")
                    .contains("\"code\":\"request_too_large\"").contains("\"type\":\"invalid_request_error\"");
        }
        assertThat(upstream.getRequestCount()).isZero();
    }

    @Test
    void upstreamDownGets502() throws Exception {
        upstream.close();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(502);
        assertThat(res.body()).contains("\"code\":\"upstream_unavailable\"").contains("\"type\":\"api_error\"");
    }

    @Test
    void silentUpstreamGets504() throws Exception {
        upstream.enqueue(new MockResponse.Builder().onResponseStart(SocketEffect.Stall.INSTANCE).build());
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(504);
        assertThat(res.body()).contains("\"code\":\"upstream_timeout\"");
    }

    @Test
    void keepAliveReusesOneUpstreamConnectionPerEventLoop() throws Exception {
        for (int i = 0; i < 100; i++) {
            upstream.enqueue(new MockResponse.Builder().body("r" + i).build());
        }
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.body()).isEqualTo("r" + i);
        }
        java.util.Set<Integer> connections = new java.util.HashSet<>();
        for (int i = 0; i < 100; i++) {
            connections.add(upstream.takeRequest(5, TimeUnit.SECONDS).getConnectionIndex());
        }
        assertThat(connections.size()).isLessThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void clientDisconnectMidStreamClosesTheUpstreamConnection() throws Exception {
        CountDownLatch upstreamSawClose = new CountDownLatch(1);
        try (ScriptedUpstream sse = new ScriptedUpstream((head, body, out) -> {
            ScriptedUpstream.sseHead(out);
            try {
                for (int i = 0; i < 500; i++) {
                    ScriptedUpstream.chunk(out, "data: {\"i\":" + i + "}\n\n");
                    Thread.sleep(10);
                }
            } catch (java.io.IOException e) {
                upstreamSawClose.countDown();
            }
        }); TestTollgate tg = TestTollgate.start(sse.url(), dir.resolve("cut"), "{}")) {
            try (Socket s = new Socket("127.0.0.1", tg.port())) {
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String line;
                while ((line = r.readLine()) != null && !line.contains("\"i\":1")) {
                    // read until the stream is flowing
                }
            }
            assertThat(upstreamSawClose.await(5, TimeUnit.SECONDS)).as("upstream connection closed after the client left").isTrue();
        }
    }
}

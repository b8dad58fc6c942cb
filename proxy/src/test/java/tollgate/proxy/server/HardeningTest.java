package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.ScriptedUpstream;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/** Issue 17's framing, timeout and upstream-lie items, black-box through real sockets. */
class HardeningTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    static final String ANSWER = "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"total_tokens\":7}}";

    @TempDir
    Path dir;

    /** Writes {@code raw}, reads until the connection closes (or 10 s pass) and returns what came back. */
    static String exchange(int port, String raw) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    static String chat(String version, String hostHeaders) {
        return "POST /v1/chat/completions " + version + "\r\n" + hostHeaders + "Content-Type: application/json\r\n"
                + "Connection: close\r\nContent-Length: " + CHAT.length() + "\r\n\r\n" + CHAT;
    }

    @Test
    void hostMustBeThereExactlyOnceOnHttp11AndOtherVersionsGet505() throws Exception {
        try (var upstream = Upstreams.answering(ANSWER);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "timeouts: {idle: 30s}\n")) {
            String none = exchange(tg.port(), chat("HTTP/1.1", ""));
            assertThat(none).startsWith("HTTP/1.1 400").contains("without a Host").contains("\"type\":\"invalid_request_error\"")
                    .containsIgnoringCase("x-should-retry: false");
            assertThat(exchange(tg.port(), chat("HTTP/1.1", "Host: a\r\nHost: b\r\n"))).startsWith("HTTP/1.1 400")
                    .contains("more than one Host");
            assertThat(exchange(tg.port(), chat("HTTP/9.9", "Host: a\r\n"))).startsWith("HTTP/1.1 505");
            assertThat(exchange(tg.port(), chat("HTTP/1.0", ""))).startsWith("HTTP/1.1 200");
            assertThat(exchange(tg.port(), chat("HTTP/1.1", "Host: a\r\n"))).startsWith("HTTP/1.1 200");
            assertThat(upstream.getRequestCount()).isEqualTo(2);
        }
    }

    @Test
    void aHeadThatDoesNotArriveWithinTimeoutsHeadersClosesTheConnectionButKeepAliveIdleIsNotTimedByIt() throws Exception {
        try (var upstream = Upstreams.answering(ANSWER);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "timeouts: {headers: 1s, idle: 60s}\n")) {
            // a slow head: half of it, then nothing
            long t0 = System.nanoTime();
            assertThat(exchange(tg.port(), "POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\n")).isEmpty();
            // a silent connection
            assertThat(exchange(tg.port(), "")).isEmpty();
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(9_000);

            try (Socket s = new Socket("127.0.0.1", tg.port())) {
                s.setSoTimeout(10_000);
                String keepAlive = chat("HTTP/1.1", "Host: a\r\n").replace("Connection: close\r\n", "");
                s.getOutputStream().write(keepAlive.getBytes(StandardCharsets.US_ASCII));
                assertThat(readAnswer(s.getInputStream())).startsWith("HTTP/1.1 200");
                // longer than timeouts.headers between two requests: the keep-alive connection is still open
                Thread.sleep(1_500);
                s.getOutputStream().write(keepAlive.getBytes(StandardCharsets.US_ASCII));
                assertThat(readAnswer(s.getInputStream())).startsWith("HTTP/1.1 200");
            }
        }
    }

    @Test
    void aStrayLineEndAfterABodyDoesNotCutTheCallOnItsConnection() throws Exception {
        // some clients end a POST body with an extra CRLF; the codec skips it, and no head follows it
        java.util.concurrent.CountDownLatch forwarded = new java.util.concurrent.CountDownLatch(1);
        try (ScriptedUpstream up = new ScriptedUpstream((head, body, out) -> {
            forwarded.countDown();
            Thread.sleep(2_500); // an upstream slower than timeouts.headers to its first byte
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + ANSWER.length()
                    + "\r\n\r\n" + ANSWER).getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
             TestTollgate tg = TestTollgate.start(up.url(), dir, "timeouts: {headers: 1s, idle: 60s}\n");
             Socket s = new Socket("127.0.0.1", tg.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(chat("HTTP/1.1", "Host: a\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(forwarded.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // the request has ended (it went upstream): the CRLF arrives as bytes after it
            s.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200").endsWith(ANSWER);
        }
    }

    @Test
    void aStrayLineEndOnAnIdleKeepAliveConnectionDoesNotCloseIt() throws Exception {
        try (var upstream = Upstreams.answering(ANSWER);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "timeouts: {headers: 1s, idle: 60s}\n");
             Socket s = new Socket("127.0.0.1", tg.port())) {
            s.setSoTimeout(10_000);
            String keepAlive = chat("HTTP/1.1", "Host: a\r\n").replace("Connection: close\r\n", "");
            s.getOutputStream().write(keepAlive.getBytes(StandardCharsets.US_ASCII));
            assertThat(readAnswer(s.getInputStream())).startsWith("HTTP/1.1 200");
            // a CRLF after the call (the codec skips it), then longer than timeouts.headers with nothing: the
            // connection is idle, not a slow head, and serves the next request
            s.getOutputStream().write("\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(1_500);
            s.getOutputStream().write(keepAlive.getBytes(StandardCharsets.US_ASCII));
            assertThat(readAnswer(s.getInputStream())).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void anHttp10ClientGetsAStreamedAnswerToTheCloseNotChunked() throws Exception {
        String events = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n";
        try (ScriptedUpstream up = new ScriptedUpstream((head, body, out) -> {
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(events.length()) + "\r\n" + events + "\r\n0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        });
             TestTollgate tg = TestTollgate.start(up.url(), dir, "timeouts: {idle: 30s}\n")) {
            String keepAlive10 = chat("HTTP/1.0", "").replace("Connection: close", "Connection: keep-alive");
            String answer = exchange(tg.port(), keepAlive10);
            assertThat(answer).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("transfer-encoding")
                    .containsIgnoringCase("connection: close").endsWith("\r\n\r\n" + events);
        }
    }

    @Test
    void malformedUpstreamHeadsGet502AndAreNeverRelayed() throws Exception {
        String huge = "x".repeat(200 * 1024);
        List<String> heads = List.of(
                "HTTP/1.1 200 OK\r\nX-Huge: " + huge + "\r\nContent-Length: 2\r\n\r\n{}",
                "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
                "HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\n{}",
                "SMTP ready\r\n\r\n");
        for (String bad : heads) {
            try (ScriptedUpstream up = new ScriptedUpstream((head, body, out) -> {
                out.write(bad.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            });
                 TestTollgate tg = TestTollgate.start(up.url(), dir.resolve("u" + heads.indexOf(bad)),
                         "timeouts: {first_byte: 5s, idle: 5s}\n")) {
                String answer = exchange(tg.port(), chat("HTTP/1.1", "Host: a\r\n"));
                assertThat(answer).as(bad.substring(0, Math.min(20, bad.length()))).startsWith("HTTP/1.1 502")
                        .contains("upstream_invalid_response").containsIgnoringCase("x-should-retry: true");
                JsonNode rec = JSON.readTree(tg.awaitRecords(1).get(0));
                assertThat(rec.get("error").asText()).isEqualTo("upstream_invalid_response");
                assertThat(rec.get("status").asInt()).isEqualTo(502);
            }
        }
    }

    @Test
    void aRequestRefusedOnTheMessagesApiIsAnsweredInAnthropicsShape() throws Exception {
        try (TestTollgate tg = TestTollgate.start("http://127.0.0.1:9", dir, "{}")) {
            String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":1,\"messages\":[]}";
            String answer = exchange(tg.port(), "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: "
                    + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
            assertThat(answer).startsWith("HTTP/1.1 400").containsIgnoringCase("x-should-retry: false");
            JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.at("/error/type").asText()).isEqualTo("invalid_request_error");
            // Netty's decoder itself refuses the framing: "malformed HTTP request", tollgate's code leading
            assertThat(error.at("/error/message").asText()).startsWith("bad_request: ");
            // the same refusal elsewhere keeps OpenAI's shape
            String openAi = exchange(tg.port(), "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
            assertThat(JSON.readTree(openAi.substring(openAi.indexOf("\r\n\r\n") + 4)).at("/error/code").asText())
                    .isEqualTo("bad_request");
        }
    }

    /** One answer with a Content-Length body. */
    static String readAnswer(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString();
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }
}

package tollgate.proxy.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.config.Timeouts;
import tollgate.metering.call.Outcome;
import tollgate.proxy.ScriptedConnections;
import tollgate.proxy.relay.Admission;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.relay.CallTap;
import tollgate.proxy.relay.RelayContext;
import tollgate.proxy.upstream.UpstreamHandler;

/**
 * A multipart upload through the client pipeline, from raw bytes: it is never aggregated, its first bytes are
 * admitted, the rest is forwarded chunk by chunk, and every path out of it (refusal, size limit, either side gone)
 * releases every buffer: each one written into the pipeline ends with {@code refCnt() == 0}.
 * <pre>
 *   bytes → HttpServerCodec → NextRead → RequestAggregator → ProxyHandler ──▶ upstream EmbeddedChannel (UpstreamHandler)
 * </pre>
 */
class UploadPipelineTest {
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(10));
    private static final int MAX_BYTES = 256 * 1024;
    private static final String FIELDS = "--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n";
    private static final String END = "\r\n--b--\r\n";

    private final List<ByteBuf> written = new ArrayList<>();
    private final EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamHandler());
    private final ScriptedConnections pool = new ScriptedConnections(upstream);
    private final InFlight inFlight = new InFlight();
    private EmbeddedChannel client;

    @AfterEach
    void close() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
        upstream.finishAndReleaseAll();
    }

    @Test
    void theUploadIsForwardedAsItArrivesAndAPipelinedRequestWaitsForItsAnswer() {
        start(CallGate.PASS_THROUGH);
        String file = audio(150 * 1024);
        String body = FIELDS + file + END;
        int split = FIELDS.length() + 10 * 1024;

        write(head(body.length()) + body.substring(0, split));
        // its first bytes are still being gathered for admission
        assertThat(pool.acquired).isZero();
        write(body.substring(split, split + 80 * 1024));
        assertThat(pool.acquired).isEqualTo(1);
        Forwarded first = drainUpstream();
        assertThat(first.heads).singleElement().satisfies(h -> {
            assertThat(h.uri()).isEqualTo("/v1/audio/transcriptions");
            assertThat(h.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(body.length());
        });
        assertThat(first.body).isEqualTo(body.substring(0, split + 80 * 1024));
        assertThat(first.lasts).isZero();

        // the rest of the upload, and a pipelined request behind it
        write(body.substring(split + 80 * 1024) + "GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n");
        Forwarded rest = drainUpstream();
        assertThat(rest.heads).isEmpty();
        assertThat(first.body + rest.body).isEqualTo(body);
        assertThat(rest.lasts).isEqualTo(1);

        answer("{\"text\":\"hi\"}");
        client.runPendingTasks();
        Forwarded next = drainUpstream();
        assertThat(next.heads).singleElement().satisfies(h -> assertThat(h.uri()).isEqualTo("/v1/models"));
        answer("{\"data\":[]}");
        String answers = drainClient();
        assertThat(answers).startsWith("HTTP/1.1 200 OK").contains("{\"text\":\"hi\"}").endsWith("{\"data\":[]}");
        assertThat(pool.released).containsExactly(upstream, upstream);
        assertThat(client.isOpen()).isTrue();
        assertAllReleased();
    }

    @Test
    void aRefusalBeforeTheUploadEndsIsAnsweredAndTheConnectionClosedWithNothingForwarded() {
        start(call -> CompletableFuture.completedFuture(new Admission.Refuse(HttpResponseStatus.UNAUTHORIZED, Map.of(),
                ErrorResponses.json("invalid_request_error", "invalid_api_key", "missing API key"), CallTap.NONE,
                Outcome.COMPLETE)));
        String body = FIELDS + audio(100 * 1024) + END;

        write(head(body.length()) + body.substring(0, 70 * 1024));

        assertThat(drainClient()).startsWith("HTTP/1.1 401").contains("\"invalid_api_key\"");
        assertThat(pool.acquired).isZero();
        assertThat(client.isOpen()).isFalse();
        assertAllReleased();
    }

    @Test
    void aChunkedUploadOverTheLimitIsCutOnBothSidesOnceItsForwardingBegan() {
        start(CallGate.PASS_THROUGH);
        String head = "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: t\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n";
        write(head + chunk(FIELDS + audio(70 * 1024)));
        Forwarded forwarded = drainUpstream();
        assertThat(forwarded.heads).singleElement()
                .satisfies(h -> assertThat(h.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked"));

        write(chunk(audio(100 * 1024)) + chunk(audio(100 * 1024)));

        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(drainUpstream().body.length() + forwarded.body.length()).isLessThanOrEqualTo(MAX_BYTES);
        assertAllReleased();
    }

    @Test
    void anUploadDeclaredOverTheLimitIsAnswered413AtOnce() {
        start(CallGate.PASS_THROUGH);

        write(head(MAX_BYTES + 1) + FIELDS);

        assertThat(drainClient()).startsWith("HTTP/1.1 413").contains("\"request_too_large\"");
        assertThat(pool.acquired).isZero();
        assertAllReleased();
    }

    @Test
    void aClientGoneMidUploadClosesTheUpstream() {
        uploadUnderWay();

        client.close();

        assertThat(upstream.isOpen()).isFalse();
        assertThat(pool.released).containsExactly(upstream);
        assertAllReleased();
    }

    @Test
    void aClientGoneWhileItsFirstBytesAreGatheredLeavesNothingHeld() {
        start(CallGate.PASS_THROUGH);
        write(head(100 * 1024) + FIELDS + audio(1024));

        client.close();

        assertThat(pool.acquired).isZero();
        assertAllReleased();
    }

    @Test
    void anUpstreamGoneMidUploadAnswers502AndClosesTheClient() {
        String body = uploadUnderWay();

        upstream.close();
        write(body.substring(80 * 1024, 100 * 1024));

        assertThat(drainClient()).startsWith("HTTP/1.1 502").contains("\"upstream_unavailable\"");
        assertThat(client.isOpen()).isFalse();
        assertAllReleased();
    }

    // --- harness

    /** An upload whose first 80 KiB the upstream has; returns its whole body. */
    private String uploadUnderWay() {
        start(CallGate.PASS_THROUGH);
        String body = FIELDS + audio(150 * 1024) + END;
        write(head(body.length()) + body.substring(0, 80 * 1024));
        assertThat(drainUpstream().heads).hasSize(1);
        return body;
    }

    private void start(CallGate gate) {
        NextRead next = new NextRead();
        RelayContext relay = new RelayContext(pool, TIMEOUTS, 64 * 1024, inFlight);
        client = new EmbeddedChannel(new HttpServerCodec(), next, new RequestAggregator(MAX_BYTES),
                new ProxyHandler(relay, gate, inFlight, next, MAX_BYTES));
    }

    private static String head(long contentLength) {
        return "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                + "Content-Length: " + contentLength + "\r\n\r\n";
    }

    /** Bytes standing for an audio file (ASCII, so the test can compare strings). */
    private static String audio(int bytes) {
        char[] c = new char[bytes];
        for (int i = 0; i < bytes; i++) {
            c[i] = (char) ('a' + i % 26);
        }
        return new String(c);
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.length()) + "\r\n" + data + "\r\n";
    }

    private void write(String raw) {
        ByteBuf b = Unpooled.copiedBuffer(raw, US_ASCII);
        written.add(b);
        if (client.isOpen()) {
            client.writeInbound(b);
        } else {
            b.release();
        }
    }

    /** The upstream answers the request it has: 200 with {@code json}. */
    private void answer(String json) {
        HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length());
        ByteBuf body = Unpooled.copiedBuffer(json, US_ASCII);
        written.add(body);
        upstream.writeInbound(res, new DefaultLastHttpContent(body));
    }

    /** What tollgate sent the upstream since the last look, released as it is read. */
    private Forwarded drainUpstream() {
        Forwarded f = new Forwarded();
        StringBuilder body = new StringBuilder();
        for (Object o; (o = upstream.readOutbound()) != null; ) {
            try {
                if (o instanceof HttpRequest h) {
                    f.heads.add(h);
                }
                if (o instanceof HttpContent c && !(o instanceof FullHttpRequest)) {
                    body.append(c.content().toString(US_ASCII));
                    if (c instanceof LastHttpContent) {
                        f.lasts++;
                    }
                }
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        f.body = body.toString();
        return f;
    }

    /** The bytes the client got, released as they are read. */
    private String drainClient() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o; (o = client.readOutbound()) != null; ) {
            try {
                ByteBuf b = (ByteBuf) o;
                byte[] bytes = new byte[b.readableBytes()];
                b.getBytes(b.readerIndex(), bytes);
                out.writeBytes(bytes);
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        return out.toString(US_ASCII);
    }

    private void assertAllReleased() {
        drainClient();
        drainUpstream();
        // closing lets the codec go of a partly decoded read; a chunk still held anywhere keeps its read's count up
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        assertThat(written).allSatisfy(b -> assertThat(b.refCnt()).as("refCnt of %s", b).isZero());
        assertThat(inFlight.count()).as("calls still counted in flight").isZero();
    }

    private static final class Forwarded {
        final List<HttpRequest> heads = new ArrayList<>();
        String body = "";
        int lasts;
    }
}

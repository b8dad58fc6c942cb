package tollgate.proxy.relay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.config.Timeouts;
import tollgate.metering.call.CallEnd;
import tollgate.metering.call.Outcome;
import tollgate.metering.usage.MultipartAudio;
import tollgate.metering.usage.BatchOutputMeter;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.ResponseMeter;
import tollgate.proxy.ScriptedConnections;
import tollgate.proxy.server.ErrorResponses;
import tollgate.proxy.upstream.UpstreamHandler;

/**
 * The relay of one call between two {@code EmbeddedChannel}s: every buffer the test hands the exchange (request
 * body, upstream chunks) and everything it wrote is released on every exit path, and each call ends once with
 * its {@link Outcome}. {@code LeakGuard} (registered for every proxy test) also fails a test on a leak report.
 * <pre>
 *   client EmbeddedChannel (no-op handler; its context is the exchange's client)
 *        ◀── Exchange ──▶ upstream EmbeddedChannel (UpstreamHandler), handed out by {@link ScriptedConnections}
 * </pre>
 */
class ExchangeRelayTest {
    private static final Timeouts TIMEOUTS = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(10));
    private static final String REQUEST_BODY = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private final List<ByteBuf> created = new ArrayList<>();
    private final EmbeddedChannel client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamHandler());
    private final ScriptedConnections pool = new ScriptedConnections(upstream);
    private final RecordingEvents events = new RecordingEvents();
    private final RecordingReads reads = new RecordingReads();
    private final List<Exchange> done = new ArrayList<>();
    private @Nullable RecordingTap tap;
    private @Nullable Exchange exchange;
    private ErrorResponses.Shape shape = ErrorResponses.Shape.OPENAI;
    /** The one upstream of the relay context when the call goes to a route's pool ({@link #pool}) instead. */
    private @Nullable ScriptedConnections oneUpstream;
    /** The rewrite of the next call's answer, as ProxyHandler gives a Message Batch read one. */
    private @Nullable AnswerRewrite rewriteNext;

    @AfterEach
    void closeChannels() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void completeJsonAnswerReachesTheClientAsSentAndPoolsTheConnection() throws IOException {
        start(false, 64 * 1024);
        byte[] json = fixture("chat_gpt-4o.json");
        HttpResponse head = head("application/json");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);

        upstream.writeInbound(head, content(Arrays.copyOfRange(json, 0, 100)),
                last(Arrays.copyOfRange(json, 100, json.length)));

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> {
            assertThat(h.status()).isEqualTo(HttpResponseStatus.OK);
            assertThat(h.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(json.length);
        });
        assertThat(got.body).isEqualTo(json);
        assertThat(got.lasts).isEqualTo(1);
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).isTrue();
        assertThat(upstream.config().isAutoRead()).isTrue();
        assertThat(client.isOpen()).isTrue();
        assertThat(tap().meter.usage()).isNotNull();
        assertAllReleased();
    }

    @Test
    void aDownloadedBatchOutputFileIsMeteredLineByLineAndEveryChunkIsReleased() throws IOException {
        start(new RecordingTap(false, true), HttpMethod.GET, "/v1/files/file-abc/content", "", 64 * 1024, TIMEOUTS);
        byte[] file = fixture("batch_output_openai_docs.jsonl");
        HttpResponse head = head("application/octet-stream");
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        upstream.writeInbound(head);
        // 61-byte chunks: every line is cut, and each result is metered the moment its line ends
        int linesSeen = 0;
        for (int at = 0; at < file.length; at += 61) {
            byte[] part = Arrays.copyOfRange(file, at, Math.min(file.length, at + 61));
            upstream.writeInbound(at + 61 >= file.length ? last(part) : content(part));
            for (byte b : part) {
                linesSeen += b == '\n' ? 1 : 0;
            }
            assertThat(tap().results).hasSize(linesSeen);
        }

        ClientView got = drainClient();
        assertThat(got.body).isEqualTo(file);
        assertThat(got.lasts).isEqualTo(1);
        assertThat(tap().results).extracting(BatchOutputMeter.Result::customId)
                .containsExactly("request-2", "request-2", "request-1");
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(pool.released).containsExactly(upstream);
        assertAllReleased();
    }

    /**
     * A Message Batch read: its {@code results_url} names tollgate instead of the upstream, the answer cut inside the
     * URL; its length is no longer the upstream's, so it goes chunked; every chunk is released. A compressed answer
     * (which cannot be edited byte by byte) passes as it is, with its length.
     */
    @Test
    void aMessageBatchsResultsUrlIsRewrittenAsItPassesAndEveryChunkIsReleased() {
        String path = "/v1/messages/batches/msgbatch_1";
        String batch = "{\"id\":\"msgbatch_1\",\"type\":\"message_batch\",\"processing_status\":\"ended\","
                + "\"results_url\":\"https://api.anthropic.com/v1/messages/batches/msgbatch_1/results\"}";
        rewriteNext = AnswerRewrite.resultsUrl("GET", path, "127.0.0.1:8080", null, null, "https://api.anthropic.com");
        start(new RecordingTap(false, false), HttpMethod.GET, path, "", 64 * 1024, TIMEOUTS);
        HttpResponse head = head("application/json");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, batch.length());
        int cut = batch.indexOf("anthropic.com");
        upstream.writeInbound(head, content(batch.substring(0, cut)), last(batch.substring(cut)));

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> {
            assertThat(h.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
            assertThat(HttpUtil.isTransferEncodingChunked(h)).isTrue();
        });
        assertThat(new String(got.body, UTF_8)).isEqualTo(batch.replace("https://api.anthropic.com/",
                "http://127.0.0.1:8080/"));
        assertThat(got.lasts).isEqualTo(1);
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertAllReleased();
    }

    @Test
    void aCompressedMessageBatchAnswerPassesAsItIs() {
        String path = "/v1/messages/batches/msgbatch_1";
        rewriteNext = AnswerRewrite.resultsUrl("GET", path, "127.0.0.1:8080", null, null, "https://api.anthropic.com");
        start(new RecordingTap(false, false), HttpMethod.GET, path, "", 64 * 1024, TIMEOUTS);
        byte[] gz = {31, -117, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        HttpResponse head = head("application/json");
        head.headers().set(HttpHeaderNames.CONTENT_ENCODING, "gzip").setInt(HttpHeaderNames.CONTENT_LENGTH, gz.length);
        upstream.writeInbound(head, last(gz));

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h ->
                assertThat(h.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo(gz.length));
        assertThat(got.body).isEqualTo(gz);
        assertAllReleased();
    }

    @Test
    void streamLosesOnlyTheInjectedUsageChunk() throws IOException {
        start(true, 64 * 1024);
        byte[] sse = fixture("chat_stream_gpt-4o_content.sse");
        byte[] expected = withoutUsageOnlyEvent(sse);
        assertThat(expected.length).isLessThan(sse.length);

        upstream.writeInbound(head("text/event-stream; charset=utf-8"));
        // odd-sized chunks so events, and the dropped chunk, straddle buffers
        for (int at = 0; at < sse.length; at += 97) {
            byte[] part = Arrays.copyOfRange(sse, at, Math.min(sse.length, at + 97));
            upstream.writeInbound(at + 97 >= sse.length ? last(part) : content(part));
        }

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> {
            assertThat(h.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
            assertThat(h.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
        });
        assertThat(new String(got.body, UTF_8)).isEqualTo(new String(expected, UTF_8));
        assertThat(got.lasts).isEqualTo(1);
        assertThat(tap().meter.usage()).isNotNull();
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).isTrue();
        assertThat(events.overflows).isZero();
        assertAllReleased();
    }

    @Test
    void clientGoneMidStreamClosesTheUpstreamAndReleasesLaterChunks() {
        start(true, 64 * 1024);
        // the second chunk is half an event: held back, undecided, when the client leaves
        upstream.writeInbound(head("text/event-stream"), content("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"),
                content("data: {\"choices\":[{\"del"));

        client.close();
        exchange().onClientInactive();
        // what was already on its way from the upstream when the client left
        ByteBuf late = track(Unpooled.copiedBuffer("data: late\n\n", UTF_8));
        exchange().onUpstreamMessage(new DefaultHttpContent(late));
        exchange().onClientInactive();

        ClientView got = drainClient();
        assertThat(new String(got.body, UTF_8)).isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
        assertEndedOnce(Outcome.CLIENT_GONE, 200);
        assertThat(upstream.isOpen()).isFalse();
        assertThat(pool.released).containsExactly(upstream);
        assertThat(late.refCnt()).isZero();
        assertAllReleased();
    }

    @Test
    void upstreamClosedMidStreamCutsTheClient() {
        start(true, 64 * 1024);
        String first = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
        upstream.writeInbound(head("text/event-stream"), content(first), content("data: {\"choi"));

        upstream.close();

        ClientView got = drainClient();
        assertThat(new String(got.body, UTF_8)).isEqualTo(first);
        assertThat(got.lasts).isZero();
        assertEndedOnce(Outcome.UPSTREAM_CUT, 200);
        assertThat(client.isOpen()).isFalse();
        assertThat(pool.released).containsExactly(upstream);
        assertAllReleased();
    }

    @Test
    void upstreamErrorMidStreamCutsTheClient() {
        start(false, 64 * 1024);
        upstream.writeInbound(head("text/event-stream"), content("data: {\"choices\":[]}\n\n"));

        upstream.pipeline().fireExceptionCaught(new IOException("connection reset by peer"));
        upstream.runPendingTasks();

        ClientView got = drainClient();
        assertThat(new String(got.body, UTF_8)).isEqualTo("data: {\"choices\":[]}\n\n");
        assertEndedOnce(Outcome.UPSTREAM_CUT, 200);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        assertAllReleased();
    }

    @Test
    void eventLargerThanTheHoldCapPassesThroughOnce() {
        start(true, 1024);
        upstream.writeInbound(head("text/event-stream"));
        StringBuilder sent = new StringBuilder();
        String opening = "data: " + "x".repeat(1024 - 6);
        upstream.writeInbound(content(opening));
        sent.append(opening);
        for (int i = 0; i < 3; i++) {
            String more = "y".repeat(1024);
            upstream.writeInbound(content(more));
            sent.append(more);
        }
        String end = "\n\ndata: [DONE]\n\n";
        upstream.writeInbound(last(end));
        sent.append(end);

        ClientView got = drainClient();
        assertThat(new String(got.body, UTF_8)).isEqualTo(sent.toString());
        assertThat(got.lasts).isEqualTo(1);
        assertThat(events.overflows).isEqualTo(1);
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertAllReleased();
    }

    @Test
    void slowReaderPausesTheUpstreamThenIsClosedAfterTheIdleTimeout() {
        start(true, 64 * 1024);
        client.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(client.isWritable()).isFalse();

        upstream.writeInbound(head("text/event-stream"), content("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"));

        assertThat(upstream.config().isAutoRead()).isFalse();
        assertThat(events.pauses).isEqualTo(1);
        assertThat(exchange().backpressurePauses()).isEqualTo(1);
        assertThat(tap().ends).isEmpty();

        client.advanceTimeBy(TIMEOUTS.idle().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertEndedOnce(Outcome.CLIENT_IDLE, 200);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        // a chunk still in flight on the paused connection
        ByteBuf late = track(Unpooled.copiedBuffer("data: late\n\n", UTF_8));
        exchange().onUpstreamMessage(new DefaultHttpContent(late));
        drainClient();
        assertAllReleased();
    }

    @Test
    void writableClientResumesThePausedUpstream() {
        start(true, 64 * 1024);
        client.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        upstream.writeInbound(head("text/event-stream"), content("data: {\"choices\":[]}\n\n"));
        assertThat(upstream.config().isAutoRead()).isFalse();

        client.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        exchange().onClientWritabilityChanged();

        assertThat(upstream.config().isAutoRead()).isTrue();
        upstream.writeInbound(last("data: [DONE]\n\n"));
        ClientView got = drainClient();
        assertThat(new String(got.body, UTF_8)).isEqualTo("data: {\"choices\":[]}\n\ndata: [DONE]\n\n");
        assertThat(events.pauses).isEqualTo(1);
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertAllReleased();
    }

    @Test
    void noResponseHeadWithinFirstByteTimeoutAnswers504() {
        Timeouts quickFirstByte = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(10));
        start(true, 64 * 1024, quickFirstByte);

        client.advanceTimeBy(1, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(tap().ends).isEmpty();

        client.advanceTimeBy(1_500, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.GATEWAY_TIMEOUT));
        assertThat(new String(got.body, UTF_8)).contains("\"upstream_timeout\"");
        assertEndedOnce(Outcome.TIMEOUT, 504);
        assertThat(upstream.isOpen()).isFalse();
        assertThat(client.isOpen()).isTrue();
        assertAllReleased();
    }

    @Test
    void upstreamClosedBeforeTheHeadAnswers502() {
        start(true, 64 * 1024);

        upstream.close();

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.BAD_GATEWAY));
        assertThat(new String(got.body, UTF_8)).contains("\"upstream_unavailable\"");
        assertEndedOnce(Outcome.UNAVAILABLE, 502);
        assertThat(client.isOpen()).isTrue();
        assertAllReleased();
    }

    @Test
    void aRoutedCallUsesItsRoutesConnectionsAndGivesThemBack() throws IOException {
        EmbeddedChannel unused = new EmbeddedChannel(new UpstreamHandler());
        oneUpstream = new ScriptedConnections(unused);
        start(false, 64 * 1024);
        byte[] json = fixture("chat_gpt-4o.json");
        HttpResponse head = head("application/json");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);

        upstream.writeInbound(head, last(json));

        assertThat(drainClient().body).isEqualTo(json);
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(pool.released).containsExactly(upstream);
        assertThat(oneUpstream.acquired).isZero();
        assertThat((Object) unused.readOutbound()).isNull();
        unused.finishAndReleaseAll();
        assertAllReleased();
    }

    @Test
    void onAnthropicsMessagesApiTheOwn502IsInAnthropicsShape() {
        shape = ErrorResponses.Shape.ANTHROPIC;
        start(false, 64 * 1024);

        upstream.close();

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.BAD_GATEWAY));
        assertThat(new String(got.body, UTF_8))
                .startsWith("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"upstream_unavailable: ");
        assertEndedOnce(Outcome.UNAVAILABLE, 502);
        assertAllReleased();
    }

    @Test
    void clientGoneWhileConnectingReleasesTheRequestAndGivesTheConnectionBack() {
        pool.deferAcquire = true;
        tap = new RecordingTap(true, false);
        ByteBuf body = track(Unpooled.copiedBuffer(REQUEST_BODY, UTF_8));
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions", body);
        exchange = new Exchange(clientContext(), req, new RelayContext(pool, TIMEOUTS, 64 * 1024, events), tap,
                System.nanoTime(), done::add);
        exchange.start();

        client.close();
        exchange.onClientInactive();
        assertThat(body.refCnt()).isZero();
        pool.completeAcquire();

        assertThat((Object) upstream.readOutbound()).isNull();
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).isTrue();
        assertThat(tap.ends).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(Outcome.CLIENT_GONE);
            assertThat(e.upstreamSentNanos()).isZero();
        });
        assertThat(done).containsExactly(exchange);
        assertAllReleased();
    }

    @Test
    void refusedCallIsAnsweredAndEndsOnce() {
        RecordingTap refusedTap = new RecordingTap(false, false);
        ByteBuf body = track(Unpooled.copiedBuffer("{\"error\":{\"code\":\"budget_exceeded\"}}", UTF_8));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS, body);
        long received = System.nanoTime();

        Exchange.refused(clientContext(), response, refusedTap, Outcome.BUDGET_EXCEEDED, received);

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.TOO_MANY_REQUESTS));
        assertThat(new String(got.body, UTF_8)).contains("budget_exceeded");
        assertThat(refusedTap.ends).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(Outcome.BUDGET_EXCEEDED);
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.receivedNanos()).isEqualTo(received);
            assertThat(e.upstreamSentNanos()).isZero();
        });
        assertAllReleased();
    }

    @Test
    void clientGoneBeforeForwardingEndsOnceWithNothingSent() {
        RecordingTap goneTap = new RecordingTap(true, false);
        long received = System.nanoTime();

        Exchange.clientGoneBeforeForwarding(goneTap, received);

        assertThat(goneTap.ends).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(Outcome.CLIENT_GONE);
            assertThat(e.status()).isZero();
            assertThat(e.receivedNanos()).isEqualTo(received);
            assertThat(e.upstreamSentNanos()).isZero();
            assertThat(e.firstByteNanos()).isZero();
        });
        assertThat(goneTap.meter).isNull();
    }

    // --- streamed request bodies (multipart uploads)

    @Test
    void uploadChunksReachTheUpstreamInOrderAndItsConnectionIsPooledOnceSentWhole() throws IOException {
        pool.deferAcquire = true;
        startUpload(TIMEOUTS);
        // arrives before the connection: held, and the client is not read meanwhile
        exchange().onRequestContent(content("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"));
        exchange().start();
        assertThat(reads.paused).isTrue();
        assertThat((Object) upstream.readOutbound()).isNull();

        pool.completeAcquire();
        assertThat(reads.paused).isFalse();
        exchange().onRequestContent(content("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\r\nID3"));
        exchange().onRequestContent(last("audio\r\n--b--\r\n"));

        UpstreamView sent = drainUpstream();
        assertThat(sent.head).isNotNull();
        assertThat(sent.head.uri()).isEqualTo("/v1/audio/transcriptions");
        assertThat(new String(sent.body, UTF_8)).isEqualTo("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
                + "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\r\nID3audio\r\n--b--\r\n");
        assertThat(sent.lasts).isEqualTo(1);

        byte[] json = fixture("chat_gpt-4o.json");
        HttpResponse head = head("application/json");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        upstream.writeInbound(head, last(json));
        assertThat(drainClient().body).isEqualTo(json);
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).isTrue();
        assertAllReleased();
    }

    @Test
    void uploadBytesPassTheTapInOrderAsTheyGoUpstreamAndAreAllReleased() {
        // a WAV of 8,000 bytes of 8 kHz 8-bit mono after its 44-byte header, whose data size says "to the end": 1 s,
        // known only once the part's delimiter has passed; its chunks cut inside the header and the delimiter
        startUpload(TIMEOUTS);
        exchange().start();
        java.nio.ByteBuffer wav = java.nio.ByteBuffer.allocate(44 + 8_000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        wav.put("RIFF".getBytes(UTF_8)).putInt(-1).put("WAVEfmt ".getBytes(UTF_8)).putInt(16).putShort((short) 1)
                .putShort((short) 1).putInt(8_000).putInt(8_000).putShort((short) 1).putShort((short) 8)
                .put("data".getBytes(UTF_8)).putInt(-1);
        byte[] form = concat(("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\n")
                .getBytes(UTF_8), wav.array(), "\r\n--b--\r\n".getBytes(UTF_8));
        int[] cuts = {0, 70, 71, 5_000, form.length - 7, form.length - 6};
        for (int i = 1; i < cuts.length; i++) {
            exchange().onRequestContent(content(java.util.Arrays.copyOfRange(form, cuts[i - 1], cuts[i])));
        }
        // the delimiter is not whole yet: no length
        assertThat(tap().upload.seconds()).isNull();
        exchange().onRequestContent(last(java.util.Arrays.copyOfRange(form, form.length - 6, form.length)));
        assertThat(tap().requestEnded).isTrue();
        drainUpstream();
        assertThat(tap().upload.seconds()).isEqualByComparingTo("1");

        upstream.writeInbound(head("text/plain"), last("hello"));
        drainClient();
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertAllReleased();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void theFirstByteTimeoutCountsFromTheLastChunkSentAndAStalledUploadIsCut() {
        Timeouts quick = new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(2), Duration.ofSeconds(10));
        startUpload(quick);
        exchange().start();
        exchange().onRequestContent(content("first"));

        // longer than first_byte, but the upload is still on its way
        client.advanceTimeBy(3, TimeUnit.SECONDS);
        client.runScheduledPendingTasks();
        assertThat(tap().ends).isEmpty();
        exchange().onRequestContent(last("rest"));
        client.advanceTimeBy(1_500, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();
        assertThat(tap().ends).isEmpty();
        client.advanceTimeBy(1_000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertThat(drainClient().heads).singleElement()
                .satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.GATEWAY_TIMEOUT));
        assertEndedOnce(Outcome.TIMEOUT, 504);
        assertAllReleased();
    }

    @Test
    void anUploadWhoseClientStopsSendingIsCutAfterTheIdleTimeout() {
        startUpload(TIMEOUTS);
        exchange().start();
        exchange().onRequestContent(content("first"));

        client.advanceTimeBy(TIMEOUTS.idle().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        client.runScheduledPendingTasks();

        assertEndedOnce(Outcome.CLIENT_IDLE, 0);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        exchange().onRequestContent(last("late"));
        assertAllReleased();
    }

    @Test
    void aFullUpstreamPausesReadingTheUploadUntilItCanTakeMore() {
        startUpload(TIMEOUTS);
        exchange().start();
        upstream.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        upstream.runPendingTasks();
        assertThat(upstream.isWritable()).isFalse();

        exchange().onRequestContent(content("a"));
        assertThat(reads.paused).isTrue();
        assertThat(exchange().uploadPauses()).isEqualTo(1);

        // the upstream's writability event, through its UpstreamHandler
        upstream.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
        upstream.runPendingTasks();
        assertThat(reads.paused).isFalse();
        exchange().onRequestContent(last("b"));

        assertThat(new String(drainUpstream().body, UTF_8)).isEqualTo("ab");
        HttpResponse head = head("application/json");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        upstream.writeInbound(head, last("{}"));
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(exchange().uploadPauses()).isEqualTo(1);
        assertAllReleased();
    }

    @Test
    void anUploadOverTheLimitAfterForwardingBeganCutsBothSides() {
        uploadUnderWay();

        exchange().requestTooLarge(1);

        assertEndedOnce(Outcome.REQUEST_TOO_LARGE, 0);
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        exchange().onRequestContent(content("late"));
        assertThat(reads.paused).isFalse();
        assertAllReleased();
    }

    @Test
    void anUploadOverTheLimitBeforeAnythingWasForwardedIsAnswered413() {
        pool.deferAcquire = true;
        startUpload(TIMEOUTS);
        exchange().onRequestContent(content("a"));
        exchange().start();

        exchange().requestTooLarge(1);

        ClientView got = drainClient();
        assertThat(got.heads).singleElement()
                .satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE));
        assertThat(new String(got.body, UTF_8)).contains("\"request_too_large\"");
        assertThat(tap().ends).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(Outcome.REQUEST_TOO_LARGE);
            assertThat(e.status()).isEqualTo(413);
            assertThat(e.upstreamSentNanos()).isZero();
        });
        assertThat(reads.paused).isFalse();
        // the connection comes later, unused: it goes back clean
        pool.completeAcquire();
        assertThat((Object) upstream.readOutbound()).isNull();
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).isTrue();
        assertAllReleased();
    }

    @Test
    void clientGoneMidUploadClosesTheUpstreamAndReleasesLaterChunks() {
        uploadUnderWay();

        client.close();
        exchange().onClientInactive();
        exchange().onRequestContent(content("late"));

        assertEndedOnce(Outcome.CLIENT_GONE, 0);
        assertThat(upstream.isOpen()).isFalse();
        assertThat(pool.released).containsExactly(upstream);
        assertAllReleased();
    }

    @Test
    void upstreamGoneMidUploadAnswers502AndReleasesLaterChunks() {
        uploadUnderWay();

        upstream.close();
        exchange().onRequestContent(last("late"));

        ClientView got = drainClient();
        assertThat(got.heads).singleElement().satisfies(h -> assertThat(h.status()).isEqualTo(HttpResponseStatus.BAD_GATEWAY));
        assertEndedOnce(Outcome.UNAVAILABLE, 502);
        assertAllReleased();
    }

    @Test
    void anAnswerBeforeTheUploadEndsIsRelayedAndItsConnectionIsNotReused() {
        uploadUnderWay();

        HttpResponse head = head("application/json");
        head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 2);
        upstream.writeInbound(head, last("{}"));
        exchange().onRequestContent(last("late"));

        assertThat(new String(drainClient().body, UTF_8)).isEqualTo("{}");
        assertEndedOnce(Outcome.COMPLETE, 200);
        assertThat(pool.released).containsExactly(upstream);
        assertThat(upstream.isOpen()).isFalse();
        assertAllReleased();
    }

    // --- harness

    /** An upload whose first chunk ("a") is with the upstream. */
    private void uploadUnderWay() {
        startUpload(TIMEOUTS);
        exchange().start();
        exchange().onRequestContent(content("a"));
    }

    /** A streamed upload's head: its chunks come through {@link Exchange#onRequestContent}. */
    private void startUpload(Timeouts timeouts) {
        tap = new RecordingTap(false, false);
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/audio/transcriptions");
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "multipart/form-data; boundary=b")
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        exchange = new Exchange(clientContext(), head, new RelayContext(pool, timeouts, 64 * 1024, events), tap,
                System.nanoTime(), done::add);
        exchange.bodyReads(reads);
    }

    /** Everything the exchange sent upstream, released as it is read. */
    private UpstreamView drainUpstream() {
        UpstreamView view = new UpstreamView();
        view.body = drain(upstream, m -> view.head = (HttpRequest) m, () -> view.lasts++);
        return view;
    }

    private static final class UpstreamView {
        @Nullable HttpRequest head;
        byte[] body = new byte[0];
        int lasts;
    }

    /** The client's reading as the exchange leaves it. */
    private static final class RecordingReads implements BodyReads {
        boolean paused;

        @Override
        public void pauseBody() {
            paused = true;
        }

        @Override
        public void resumeBody() {
            paused = false;
        }
    }

    private void start(boolean usageInjected, int maxHeldBytes) {
        start(usageInjected, maxHeldBytes, TIMEOUTS);
    }

    private void start(boolean usageInjected, int maxHeldBytes, Timeouts timeouts) {
        start(new RecordingTap(usageInjected, false), HttpMethod.POST, "/v1/chat/completions", REQUEST_BODY, maxHeldBytes,
                timeouts);
    }

    private void start(RecordingTap recording, HttpMethod method, String path, String body, int maxHeldBytes,
                       Timeouts timeouts) {
        tap = recording;
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                track(Unpooled.copiedBuffer(body, UTF_8)));
        req.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
        RelayContext relay = new RelayContext(oneUpstream != null ? oneUpstream : pool, timeouts, maxHeldBytes, events);
        exchange = oneUpstream != null
                ? new Exchange(clientContext(), req, relay, pool, tap, System.nanoTime(), done::add)
                : new Exchange(clientContext(), req, relay, tap, System.nanoTime(), done::add);
        exchange.errorShape(shape);
        if (rewriteNext != null) {
            exchange.rewriteAnswer(rewriteNext);
        }
        exchange.start();

        assertThat(pool.acquired).isEqualTo(1);
        Object forwarded = upstream.readOutbound();
        try {
            assertThat(forwarded).isInstanceOf(FullHttpRequest.class);
            assertThat(((FullHttpRequest) forwarded).content().toString(UTF_8)).isEqualTo(body);
        } finally {
            ReferenceCountUtil.release(forwarded);
        }
        assertThat((Object) upstream.readOutbound()).isNull();
    }

    private ChannelHandlerContext clientContext() {
        return client.pipeline().firstContext();
    }

    private Exchange exchange() {
        assertThat(exchange).isNotNull();
        return exchange;
    }

    private RecordingTap tap() {
        assertThat(tap).isNotNull();
        return tap;
    }

    private void assertEndedOnce(Outcome outcome, int status) {
        // a second end must not come from anything that happens later either
        exchange().onClientInactive();
        exchange().onUpstreamInactive();
        exchange().onUpstreamException(new IOException("late"));
        assertThat(tap().ends).singleElement().satisfies(e -> {
            assertThat(e.outcome()).isEqualTo(outcome);
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.upstreamSentNanos()).isNotZero();
        });
        assertThat(done).containsExactly(exchange());
        assertThat(exchange().isFinished()).isTrue();
    }

    private void assertAllReleased() {
        drainClient();
        for (Object o; (o = upstream.readOutbound()) != null; ) {
            ReferenceCountUtil.release(o);
        }
        assertThat(created).allSatisfy(b -> assertThat(b.refCnt()).as("refCnt of %s", b).isZero());
    }

    private static HttpResponse head(String contentType) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .set("x-request-id", "req_relay_test");
        if (contentType.startsWith("text/event-stream")) {
            head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return head;
    }

    private HttpContent content(String s) {
        return content(s.getBytes(UTF_8));
    }

    private HttpContent content(byte[] b) {
        return new DefaultHttpContent(track(Unpooled.copiedBuffer(b)));
    }

    private LastHttpContent last(String s) {
        return last(s.getBytes(UTF_8));
    }

    private LastHttpContent last(byte[] b) {
        return new DefaultLastHttpContent(track(Unpooled.copiedBuffer(b)));
    }

    private ByteBuf track(ByteBuf b) {
        created.add(b);
        return b;
    }

    /** Everything the exchange flushed to the client, released as it is read. */
    private ClientView drainClient() {
        ClientView view = new ClientView();
        view.body = drain(client, m -> view.heads.add((HttpResponse) m), () -> view.lasts++);
        return view;
    }

    /** Everything {@code ch} was sent: heads and last chunks reported, body bytes returned, all released as read. */
    private static byte[] drain(EmbeddedChannel ch, Consumer<HttpMessage> heads, Runnable lasts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            try {
                if (o instanceof HttpMessage h) {
                    heads.accept(h);
                }
                if (o instanceof HttpContent c) {
                    ByteBuf b = c.content();
                    byte[] bytes = new byte[b.readableBytes()];
                    b.getBytes(b.readerIndex(), bytes);
                    body.writeBytes(bytes);
                    if (c instanceof LastHttpContent) {
                        lasts.run();
                    }
                }
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        return body.toByteArray();
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = ExchangeRelayTest.class.getResourceAsStream("/fixtures/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    /** The stream as the client asked for it: without the usage-only event tollgate's injection added. */
    private static byte[] withoutUsageOnlyEvent(byte[] sse) {
        String[] events = new String(sse, UTF_8).split("(?<=\n\n)");
        List<String> kept = Arrays.stream(events)
                .filter(e -> !(e.contains("\"choices\":[]") && e.contains("\"usage\":{")))
                .collect(Collectors.toList());
        assertThat(kept).hasSize(events.length - 1);
        return String.join("", kept).getBytes(UTF_8);
    }

    private static final class ClientView {
        final List<HttpResponse> heads = new ArrayList<>();
        byte[] body = new byte[0];
        int lasts;
    }

    /** A tap like {@link MeteredCall}: a real meter created from the response head; records how the call ended. */
    private static final class RecordingTap implements CallTap {
        private final boolean usageInjected;
        private final boolean download;
        final List<CallEnd> ends = new ArrayList<>();
        final List<BatchOutputMeter.Result> results = new ArrayList<>();
        @Nullable ResponseMeter meter;
        @Nullable BatchOutputMeter batch;
        private boolean passThrough;
        /** What the request body's bytes say, as {@link MeteredCall} reads a transcription's upload. */
        final MultipartAudio upload = new MultipartAudio();
        boolean requestEnded;

        /** @param download a file download: its bytes go to a batch output meter, as {@link MeteredCall} does */
        RecordingTap(boolean usageInjected, boolean download) {
            this.usageInjected = usageInjected;
            this.download = download;
        }

        @Override
        public void onResponseHead(HttpResponse head) {
            if (download) {
                batch = new BatchOutputMeter(results::add);
                return;
            }
            meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, head.status().code(),
                    head.headers().get(HttpHeaderNames.CONTENT_TYPE), usageInjected);
        }

        @Override
        public boolean readsRequestBody() {
            return true;
        }

        @Override
        public void onRequestBytes(ByteBuffer bytes) {
            int position = bytes.position();
            assertThat(requestEnded).isFalse();
            upload.onBytes(bytes);
            assertThat(bytes.position()).isEqualTo(position);
        }

        @Override
        public void onRequestEnd() {
            requestEnded = true;
            upload.onEnd();
        }

        @Override
        public void onBytes(ByteBuffer bytes) {
            int position = bytes.position();
            if (meter != null) {
                meter.onBytes(bytes);
            }
            if (batch != null) {
                batch.onBytes(bytes);
            }
            assertThat(bytes.position()).isEqualTo(position);
        }

        @Override
        public void onEnd() {
            if (meter != null) {
                meter.onEnd();
            }
            if (batch != null) {
                batch.onEnd();
            }
        }

        @Override
        public boolean holdsBack() {
            return !passThrough && meter != null && meter.holdsBack();
        }

        @Override
        public long releasableOffset() {
            return meter == null || passThrough ? Long.MAX_VALUE : meter.releasableOffset();
        }

        @Override
        public List<long[]> takeDroppedRanges() {
            return meter == null || passThrough ? List.of() : meter.takeDroppedRanges();
        }

        @Override
        public void stopHoldingBack() {
            passThrough = true;
        }

        @Override
        public void onFinish(CallEnd end) {
            ends.add(end);
        }
    }

    private static final class RecordingEvents implements RelayContext.Events {
        int pauses;
        int overflows;

        @Override
        public void pausedUpstream() {
            pauses++;
        }

        @Override
        public void heldBackOverflow() {
            overflows++;
        }
    }
}

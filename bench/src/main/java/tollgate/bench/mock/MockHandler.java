package tollgate.bench.mock;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers every request as {@code POST /v1/chat/completions}: a JSON completion, or an SSE stream when the body
 * says {@code "stream": true}.
 *
 * <pre>
 * HttpServerCodec → HttpObjectAggregator → MockHandler
 * </pre>
 *
 * <p>Sends 400 with the OpenAI error shape itself when an {@code x-mock-*} header is not a valid number.
 */
final class MockHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final int MAX_CACHED_BODIES = 32;

    private final MockOptions defaults;
    /** Completion bodies by options: a run uses a handful, and the cap keeps header-driven variety bounded. */
    private final ConcurrentHashMap<MockOptions, ByteBuf> bodies;
    /** The mock's answers so far: each answer's {@code x-request-id} is its own, as a provider's are. */
    private final AtomicLong answers;

    MockHandler(MockOptions defaults, ConcurrentHashMap<MockOptions, ByteBuf> bodies, AtomicLong answers) {
        this.defaults = defaults;
        this.bodies = bodies;
        this.answers = answers;
    }

    /** A new {@code x-request-id}: {@code req_} and the answer's number (a counter, not a UUID per call). */
    private String requestId() {
        return "req_" + answers.incrementAndGet();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        MockOptions o;
        try {
            o = defaults.with(req.headers());
        } catch (IllegalArgumentException e) {
            sendError(ctx, e.getMessage(), keepAlive);
            return;
        }
        if (StreamFlagScanner.stream(req.content())) {
            new StreamWriter(ctx, o, StreamFlagScanner.includeUsage(req.content()), keepAlive, requestId()).start();
            return;
        }
        ByteBuf body = body(o).retainedDuplicate();
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set("x-request-id", requestId());
        HttpUtil.setKeepAlive(resp, keepAlive);
        if (o.ttfbMillis() == 0) {
            write(ctx, resp, keepAlive);
        } else {
            ctx.executor().schedule(() -> write(ctx, resp, keepAlive), o.ttfbMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private ByteBuf body(MockOptions o) {
        ByteBuf cached = bodies.get(o);
        if (cached != null) {
            return cached;
        }
        if (bodies.size() >= MAX_CACHED_BODIES) {
            // bodies are never released: a cleared map only lets the garbage collector take the old arrays
            bodies.clear();
        }
        ByteBuf fresh = Unpooled.wrappedBuffer(ChatBodies.completion(o));
        ByteBuf raced = bodies.putIfAbsent(o, fresh);
        return raced != null ? raced : fresh;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse resp, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            resp.release();
            return;
        }
        var f = ctx.writeAndFlush(resp);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static void sendError(ChannelHandlerContext ctx, String message, boolean keepAlive) {
        String json = "{\"error\":{\"message\":\"" + message.replace("\"", "'") + "\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"bad_mock_header\"}}";
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                Unpooled.copiedBuffer(json, StandardCharsets.UTF_8));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
        HttpUtil.setKeepAlive(resp, keepAlive);
        write(ctx, resp, keepAlive);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Writes one stream on the channel's event loop: role chunk, content chunks at their deadlines, finish, usage, [DONE]. */
    private static final class StreamWriter implements Runnable {
        private final ChannelHandlerContext ctx;
        private final MockOptions o;
        private final ChatBodies.Stream events;
        private final boolean keepAlive;
        private final String requestId;
        private final long delayNanos;
        private long firstNanos;
        private int next;

        StreamWriter(ChannelHandlerContext ctx, MockOptions o, boolean includeUsage, boolean keepAlive,
                     String requestId) {
            this.ctx = ctx;
            this.o = o;
            this.events = new ChatBodies.Stream(o, includeUsage);
            this.keepAlive = keepAlive;
            this.requestId = requestId;
            this.delayNanos = TimeUnit.MILLISECONDS.toNanos(o.chunkDelayMillis());
        }

        void start() {
            if (o.ttfbMillis() == 0) {
                run();
            } else {
                ctx.executor().schedule(this, o.ttfbMillis(), TimeUnit.MILLISECONDS);
            }
        }

        @Override
        public void run() {
            if (!ctx.channel().isActive()) {
                return;
            }
            if (next == 0) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                        .set(HttpHeaderNames.CACHE_CONTROL, "no-cache")
                        .set("x-request-id", requestId);
                HttpUtil.setKeepAlive(head, keepAlive);
                ctx.write(head);
                firstNanos = System.nanoTime();
                emit(events.role);
                next = 1;
            }
            while (next <= o.chunks()) {
                if (o.cutAfter() > 0 && next > o.cutAfter()) {
                    // an upstream that fails mid-stream: what was sent is sent, then the connection goes
                    ctx.flush();
                    ctx.close();
                    return;
                }
                long due = firstNanos + next * delayNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    ctx.flush();
                    ctx.executor().schedule(this, wait, TimeUnit.NANOSECONDS);
                    return;
                }
                emit(events.content);
                next++;
            }
            emit(events.finish);
            if (events.usage.length > 0) {
                emit(events.usage);
            }
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(ChatBodies.done())));
            var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void emit(byte[] suffix) {
            ctx.write(new DefaultHttpContent(ChatBodies.stamped(ctx.alloc(), suffix, System.nanoTime())));
        }
    }
}

package tollgate.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.Timeouts;
import tollgate.metering.call.CallEnd;
import tollgate.metering.call.Outcome;
import tollgate.proxy.server.ErrorResponses;
import tollgate.proxy.upstream.UpstreamHandler;
import tollgate.proxy.upstream.UpstreamConnections;
import tollgate.proxy.upstream.UpstreamPool;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * One call from request to the last byte: acquires an upstream connection on the client's event loop, relays
 * the response as it arrives with backpressure, applies the first-byte and idle timeouts (one timer per call),
 * and ends exactly once with an {@link Outcome}; that end goes to the {@link CallTap}, which records the call.
 * Calls that never reach the upstream end here too: {@link #refused} and {@link #clientGoneBeforeForwarding}.
 * <pre>
 *   client ── ProxyHandler ──▶ Exchange ──▶ upstream (pooled channel, UpstreamHandler)
 *                     ◀── response head / chunks, each flushed as it arrives ◀──
 * </pre>
 * Its own answers: 502 {@code upstream_unavailable}, 504 {@code upstream_timeout} (in Anthropic's error shape on
 * its Messages API: {@link #errorShape}). A client that reads nothing
 * for {@code timeouts.idle} is closed with its upstream call ({@link Outcome#CLIENT_IDLE}). All methods run on
 * the client's event loop.
 */
public final class Exchange implements UpstreamHandler.Listener, UpstreamPool.Waiter {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);

    private final ChannelHandlerContext client;
    private final RelayContext relay;
    private final UpstreamConnections pool;
    private final Timeouts timeouts;
    private final CallTap tap;
    private final Consumer<Exchange> onDone;
    private final long receivedNanos;
    private @Nullable FullHttpRequest request;

    private @Nullable Channel upstream;
    private @Nullable ScheduledFuture<?> timer;
    private boolean headSent;
    private boolean upstreamKeepAlive;
    private boolean finished;
    private int status;
    private long upstreamSentNanos;
    private long firstByteNanos;
    private long lastByteNanos;
    // the timer's clock is the event loop's ticker (EmbeddedChannel tests advance it); CallEnd times stay System.nanoTime()
    private long sentTick;
    private long lastReadTick;
    private long pausedSinceTick;
    private long pauses;
    private Map<String, String> answerHeaders = Map.of();
    private ErrorResponses.Shape errorShape = ErrorResponses.Shape.OPENAI;

    // held-back bytes while the tap decides (injected usage chunk removal); absolute offset of held's first byte
    private final java.util.ArrayDeque<ByteBuf> held = new java.util.ArrayDeque<>(4);
    private long heldStart;
    private long heldBytes;

    public Exchange(ChannelHandlerContext client, FullHttpRequest request, RelayContext relay, CallTap tap,
                    long receivedNanos, Consumer<Exchange> onDone) {
        this(client, request, relay, relay.pool(), tap, receivedNanos, onDone);
    }

    /** @param pool the connections of the upstream this call goes to (a route's, SPEC 13) */
    public Exchange(ChannelHandlerContext client, FullHttpRequest request, RelayContext relay, UpstreamConnections pool,
                    CallTap tap, long receivedNanos, Consumer<Exchange> onDone) {
        this.client = client;
        this.request = request;
        this.relay = relay;
        this.pool = pool;
        this.timeouts = relay.timeouts();
        this.tap = tap;
        this.receivedNanos = receivedNanos;
        this.onDone = onDone;
    }

    /** A call tollgate answers itself before forwarding (a budget refusal): sends {@code response}, ends the call. */
    public static void refused(ChannelHandlerContext client, FullHttpResponse response, CallTap tap, Outcome outcome,
                               long receivedNanos) {
        HttpResponseStatus status = response.status();
        client.writeAndFlush(response);
        end(tap, CallEnd.refused(outcome, status.code(), receivedNanos, System.nanoTime()));
    }

    /** A call whose client left before it could be forwarded: nothing was spent, its reservation goes back. */
    public static void clientGoneBeforeForwarding(CallTap tap, long receivedNanos) {
        end(tap, CallEnd.clientGoneBeforeForwarding(receivedNanos, System.nanoTime()));
    }

    private static void end(CallTap tap, CallEnd end) {
        try {
            tap.onFinish(end);
        } catch (RuntimeException e) {
            log.error("metering failed for a call", e);
        }
    }

    /** Headers set on the response head (SPEC 7's remaining budget, SPEC 11's rate limits). */
    public void answerHeaders(Map<String, String> headers) {
        this.answerHeaders = headers;
    }

    /** The shape of the errors this exchange answers itself (Anthropic's on its Messages API, SPEC 13). */
    public void errorShape(ErrorResponses.Shape shape) {
        this.errorShape = shape;
    }

    public void start() {
        pool.acquire(client.channel().eventLoop(), this);
    }

    @Override
    public void onFailed(Throwable cause) {
        log.debug("upstream connection failed: {}", cause.toString());
        failBeforeHead(Outcome.UNAVAILABLE, ErrorResponses.upstreamUnavailable(client.alloc(), describe(cause), errorShape));
    }

    @Override
    public void onAcquired(Channel ch) {
        if (finished) {
            // the client left while we were connecting: the connection is clean, give it back
            pool.release(ch);
            return;
        }
        upstream = ch;
        UpstreamHandler.bind(ch, this);
        ch.config().setAutoRead(true);
        FullHttpRequest req = request;
        request = null;
        upstreamSentNanos = System.nanoTime();
        sentTick = tick();
        lastReadTick = sentTick;
        ch.writeAndFlush(req).addListener((ChannelFutureListener) w -> {
            if (!w.isSuccess() && !finished) {
                failBeforeHead(Outcome.UNAVAILABLE, ErrorResponses.upstreamUnavailable(client.alloc(), describe(w.cause()), errorShape));
            }
        });
        armTimer(Math.min(timeouts.firstByte().toNanos(), timeouts.idle().toNanos()));
    }

    @Override
    public void onUpstreamMessage(Object msg) {
        if (finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        lastReadTick = tick();
        if (msg instanceof HttpObject o && invalid(o)) {
            ReferenceCountUtil.release(msg);
            if (headSent) {
                cutClient(Outcome.UPSTREAM_CUT);
            } else {
                failBeforeHead(Outcome.UPSTREAM_INVALID, ErrorResponses.upstreamInvalid(client.alloc(),
                        o.decoderResult().isFailure() ? describe(o.decoderResult().cause())
                                : "both Content-Length and Transfer-Encoding", errorShape));
            }
            return;
        }
        if (msg instanceof HttpResponse head) {
            onHead(head);
        }
        if (msg instanceof HttpContent content) {
            onContent(content);
        } else if (!(msg instanceof HttpResponse)) {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * What the codec could not decode (a bad status line, a head over {@code limits.max_header_bytes}, broken
     * chunking), and a head with both {@code Content-Length} and {@code Transfer-Encoding}: never relayed, the
     * connection is discarded.
     */
    private static boolean invalid(HttpObject o) {
        if (o.decoderResult().isFailure()) {
            return true;
        }
        return o instanceof HttpResponse r && r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                && r.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
    }

    private void onHead(HttpResponse head) {
        firstByteNanos = System.nanoTime();
        status = head.status().code();
        upstreamKeepAlive = HttpUtil.isKeepAlive(head);
        tap.onResponseHead(head);
        // the head is ours (not reference-counted): its headers are edited in place instead of copied
        HttpResponse out = head instanceof HttpContent
                ? new DefaultHttpResponse(head.protocolVersion(), head.status(), head.headers().copy())
                : head;
        HttpHeaders h = out.headers();
        HopByHop.strip(h);
        if (tap.holdsBack()) {
            // the body will lose the injected usage chunk: its length is no longer the upstream's
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        if (!HttpUtil.isContentLengthSet(out) && mayHaveBody(status)) {
            HttpUtil.setTransferEncodingChunked(out, true);
        }
        if (!answerHeaders.isEmpty()) {
            answerHeaders.forEach(h::set);
        }
        headSent = true;
        client.write(out);
    }

    private void onContent(HttpContent content) {
        ByteBuf buf = content.content();
        int n = buf.readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (n > 0) {
            if (buf.nioBufferCount() == 1) {
                tap.onBytes(buf.nioBuffer());
            } else {
                for (ByteBuffer b : buf.nioBuffers()) {
                    tap.onBytes(b);
                }
            }
        }
        if (last) {
            tap.onEnd();
        }
        if (tap.holdsBack()) {
            relayHeld(content, n, last);
        } else if (last) {
            client.write(content);
        } else {
            // a failed write surfaces as exceptionCaught / channelInactive on the client channel: no promise needed
            client.write(content, client.voidPromise());
        }
        if (last) {
            lastByteNanos = System.nanoTime();
            client.flush();
            finish(Outcome.COMPLETE);
            return;
        }
        if (!client.channel().isWritable()) {
            Channel up = upstream;
            if (up != null && up.config().isAutoRead()) {
                up.config().setAutoRead(false);
                pausedSinceTick = tick();
                pauses++;
                relay.events().pausedUpstream();
            }
        }
    }

    /** Forwards held bytes the tap has decided on, skipping the ranges it drops. Owns {@code content}. */
    private void relayHeld(HttpContent content, int n, boolean last) {
        if (n > 0) {
            held.addLast(content.content().retain());
            heldBytes += n;
        }
        for (long[] drop : tap.takeDroppedRanges()) {
            writeHeld(drop[0]);
            skipHeld(drop[1] - heldStart);
        }
        writeHeld(last ? Long.MAX_VALUE : tap.releasableOffset());
        if (heldBytes > relay.maxHeldBytes()) {
            // an event that never ends must not grow without bound: stop editing the stream, pass it through
            tap.stopHoldingBack();
            writeHeld(Long.MAX_VALUE);
            relay.events().heldBackOverflow();
        }
        if (last) {
            client.write(new DefaultLastHttpContent(client.alloc().buffer(0),
                    ((LastHttpContent) content).trailingHeaders().copy()));
            releaseHeld();
        }
        content.release();
    }

    /** Writes held bytes up to absolute offset {@code upTo}, slicing the last buffer if needed. */
    private void writeHeld(long upTo) {
        long want = upTo - heldStart;
        while (want > 0 && !held.isEmpty()) {
            ByteBuf b = held.peekFirst();
            int take = (int) Math.min(want, b.readableBytes());
            if (take == b.readableBytes()) {
                held.pollFirst();
                client.write(new DefaultHttpContent(b), client.voidPromise());
            } else {
                client.write(new DefaultHttpContent(b.readRetainedSlice(take)), client.voidPromise());
            }
            heldStart += take;
            heldBytes -= take;
            want -= take;
        }
    }

    private void skipHeld(long count) {
        long left = count;
        while (left > 0 && !held.isEmpty()) {
            ByteBuf b = held.peekFirst();
            int skip = (int) Math.min(left, b.readableBytes());
            b.skipBytes(skip);
            if (!b.isReadable()) {
                held.pollFirst().release();
            }
            heldStart += skip;
            heldBytes -= skip;
            left -= skip;
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!finished) {
            client.flush();
        }
    }

    /** The client can take more again: resume reading the upstream (edge-triggered by Netty's water marks). */
    public void onClientWritabilityChanged() {
        Channel up = upstream;
        if (!finished && up != null && client.channel().isWritable() && !up.config().isAutoRead()) {
            up.config().setAutoRead(true);
            up.read();
        }
    }

    @Override
    public void onUpstreamInactive() {
        if (finished) {
            return;
        }
        if (!headSent) {
            failBeforeHead(Outcome.UNAVAILABLE, ErrorResponses.upstreamUnavailable(client.alloc(), "the connection closed before a response", errorShape));
        } else {
            cutClient(Outcome.UPSTREAM_CUT);
        }
    }

    @Override
    public void onUpstreamException(Throwable cause) {
        if (finished) {
            return;
        }
        log.debug("upstream error: {}", cause.toString());
        if (!headSent) {
            failBeforeHead(Outcome.UNAVAILABLE, ErrorResponses.upstreamUnavailable(client.alloc(), describe(cause), errorShape));
        } else {
            cutClient(Outcome.UPSTREAM_CUT);
        }
    }

    /** The client went away: the upstream call is cancelled by closing its connection (never pooled again). */
    public void onClientInactive() {
        if (!finished) {
            finish(Outcome.CLIENT_GONE);
        }
    }

    /** One timer per call: armed once when the request is sent, re-armed only when it fires early. */
    private void armTimer(long nanos) {
        timer = client.executor().schedule(this::onTimer, nanos, TimeUnit.NANOSECONDS);
    }

    private long tick() {
        return client.executor().ticker().nanoTime();
    }

    private void onTimer() {
        timer = null;
        if (finished) {
            return;
        }
        long now = tick();
        long idle = timeouts.idle().toNanos();
        if (!headSent) {
            long left = sentTick + timeouts.firstByte().toNanos() - now;
            if (left <= 0) {
                failBeforeHead(Outcome.TIMEOUT, ErrorResponses.upstreamTimeout(client.alloc(),
                        "no response headers within timeouts.first_byte " + timeouts.firstByte().toSeconds() + "s", errorShape));
            } else {
                armTimer(Math.min(left, idle));
            }
            return;
        }
        long left;
        Channel up = upstream;
        if (up != null && !up.config().isAutoRead()) {
            // paused by us: the upstream is quiet because the client takes nothing
            left = pausedSinceTick + idle - now;
            if (left <= 0) {
                cutClient(Outcome.CLIENT_IDLE);
                return;
            }
        } else {
            left = lastReadTick + idle - now;
            if (left <= 0) {
                cutClient(Outcome.TIMEOUT);
                return;
            }
        }
        armTimer(Math.max(left, idle / 100));
    }

    private void failBeforeHead(Outcome outcome, FullHttpResponse response) {
        status = response.status().code();
        if (client.channel().isActive()) {
            client.writeAndFlush(response);
        } else {
            response.release();
        }
        finish(outcome);
    }

    /** Mid-stream failure: the response cannot be completed, so the client connection is closed. */
    private void cutClient(Outcome outcome) {
        lastByteNanos = System.nanoTime();
        finish(outcome);
        client.flush();
        client.close();
    }

    private void finish(Outcome outcome) {
        if (finished) {
            return;
        }
        finished = true;
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
            timer = null;
        }
        if (request != null) {
            request.release();
            request = null;
        }
        releaseHeld();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            UpstreamHandler.bind(up, null);
            if (outcome != Outcome.COMPLETE || !upstreamKeepAlive) {
                up.close();
            } else {
                up.config().setAutoRead(true);
            }
            pool.release(up);
        }
        end(tap, new CallEnd(outcome, status, receivedNanos, upstreamSentNanos, firstByteNanos, lastByteNanos,
                System.nanoTime()));
        onDone.accept(this);
    }

    private void releaseHeld() {
        ByteBuf b;
        while ((b = held.pollFirst()) != null) {
            b.release();
        }
    }

    public boolean isFinished() {
        return finished;
    }

    public long backpressurePauses() {
        return pauses;
    }

    private static boolean mayHaveBody(int status) {
        return status >= 200 && status != 204 && status != 304;
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
    }
}

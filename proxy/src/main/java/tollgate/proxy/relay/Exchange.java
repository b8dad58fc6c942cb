package tollgate.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
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
 * A request is sent whole ({@code FullHttpRequest}), or streamed (a multipart upload: a head without its body,
 * whose chunks come through {@link #onRequestContent}, each written upstream as it arrives; reading the client
 * stops through {@link BodyReads} while the upstream connection is not writable, and the first-byte timeout counts
 * from the last chunk sent). A streamed body must move every {@code timeouts.idle}; one over
 * {@code limits.max_request_bytes} is refused ({@link #requestTooLarge}).
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
    private @Nullable HttpRequest request;
    /** The request's body follows its head, chunk by chunk (a multipart upload); else the request is whole. */
    private final boolean streamed;
    /** A streamed body's chunks that arrived before the upstream connection did, in order. */
    private final @Nullable ArrayDeque<HttpContent> pendingBody;
    private BodyReads bodyReads = BodyReads.NONE;
    private boolean bodyReceived;
    private boolean bodySent;
    private boolean readsPaused;
    private long uploadPauses;
    // the streamed body's last progress (a chunk from the client, or room again on the upstream), event loop ticker
    private long bodyTick;

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
    /** An edit of the answer's body as it passes (a Message Batch's results_url), or null: the bytes go as they are. */
    private @Nullable AnswerRewrite rewrite;
    private ErrorResponses.Shape errorShape = ErrorResponses.Shape.OPENAI;
    private boolean clientHttp10;

    // held-back bytes while the tap decides (injected usage chunk removal); absolute offset of held's first byte
    private final java.util.ArrayDeque<ByteBuf> held = new java.util.ArrayDeque<>(4);
    private long heldStart;
    private long heldBytes;

    public Exchange(ChannelHandlerContext client, HttpRequest request, RelayContext relay, CallTap tap,
                    long receivedNanos, Consumer<Exchange> onDone) {
        this(client, request, relay, relay.pool(), tap, receivedNanos, onDone);
    }

    /**
     * @param request a {@code FullHttpRequest}, or the head of a streamed request whose body then comes through
     *     {@link #onRequestContent}
     * @param pool the connections of the upstream this call goes to (a route's, SPEC 13)
     */
    public Exchange(ChannelHandlerContext client, HttpRequest request, RelayContext relay, UpstreamConnections pool,
                    CallTap tap, long receivedNanos, Consumer<Exchange> onDone) {
        this.client = client;
        this.request = request;
        this.streamed = !(request instanceof LastHttpContent);
        this.pendingBody = streamed ? new ArrayDeque<>(4) : null;
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

    /**
     * Rewrites the answer's body as it passes, when it is a plain (not content-coded) 200: then its length is no
     * longer the upstream's, and it goes chunked.
     */
    public void rewriteAnswer(AnswerRewrite r) {
        this.rewrite = r;
    }

    /** The client spoke HTTP/1.0: an answer of unknown length is sent to the connection's close, not chunked. */
    public void clientHttp10(boolean http10) {
        this.clientHttp10 = http10;
    }

    /** The shape of the errors this exchange answers itself (Anthropic's on its Messages API, SPEC 13). */
    public void errorShape(ErrorResponses.Shape shape) {
        this.errorShape = shape;
    }

    /** How a streamed body's client is paused and resumed (the connection's {@code NextRead}). */
    public void bodyReads(BodyReads reads) {
        this.bodyReads = reads;
    }

    public void start() {
        pool.acquire(client.channel().eventLoop(), this);
    }

    /**
     * The next chunk of a streamed request body (owned): written to the upstream as it arrives, or held, with the
     * client's reading paused, until the upstream connection is there.
     */
    public void onRequestContent(HttpContent chunk) {
        if (finished || !streamed) {
            chunk.release();
            return;
        }
        bodyTick = tick();
        if (tap.readsRequestBody()) {
            tapRequest(chunk.content(), chunk instanceof LastHttpContent);
        }
        if (chunk instanceof LastHttpContent) {
            bodyReceived = true;
        }
        Channel up = upstream;
        if (up == null) {
            pendingBody.add(chunk);
            pauseReads();
            return;
        }
        writeBody(up, chunk);
        up.flush();
    }

    /** Shows request body bytes to the tap as they pass (a transcription's upload: the length of its audio). */
    private void tapRequest(ByteBuf buf, boolean last) {
        if (buf.isReadable()) {
            show(buf, true);
        }
        if (last) {
            tap.onRequestEnd();
        }
    }

    /** Shows the tap {@code buf}'s readable bytes, buffer by buffer, without moving its indices. */
    private void show(ByteBuf buf, boolean request) {
        if (buf.nioBufferCount() == 1) {
            show(buf.nioBuffer(), request);
        } else {
            for (ByteBuffer b : buf.nioBuffers()) {
                show(b, request);
            }
        }
    }

    private void show(ByteBuffer b, boolean request) {
        if (request) {
            tap.onRequestBytes(b);
        } else {
            tap.onBytes(b);
        }
    }

    private void writeBody(Channel up, HttpContent chunk) {
        if (chunk instanceof LastHttpContent) {
            up.write(chunk).addListener((ChannelFutureListener) w -> {
                if (w.isSuccess()) {
                    bodySent();
                } else {
                    onUpstreamException(w.cause());
                }
            });
        } else {
            // a failed write surfaces as exceptionCaught on the upstream channel: no promise needed
            up.write(chunk, up.voidPromise());
        }
        if (!up.isWritable()) {
            pauseReads();
        }
    }

    /** The whole request is with the upstream: the first-byte timeout counts from now. */
    private void bodySent() {
        if (finished || bodySent) {
            return;
        }
        bodySent = true;
        sentTick = tick();
        if (!headSent) {
            lastReadTick = sentTick;
        }
        cancelTimer();
        armTimer(Math.min(timeouts.firstByte().toNanos(), timeouts.idle().toNanos()));
    }

    private void pauseReads() {
        if (!readsPaused && !bodyReceived && !finished) {
            readsPaused = true;
            uploadPauses++;
            bodyReads.pauseBody();
        }
    }

    private void resumeReads() {
        if (readsPaused) {
            readsPaused = false;
            bodyReads.resumeBody();
        }
    }

    /** The upstream can take more of a streamed body again: the upload moves, and its client is read again. */
    @Override
    public void onUpstreamWritabilityChanged() {
        Channel up = upstream;
        if (!finished && streamed && !bodySent && up != null && up.isWritable()) {
            bodyTick = tick();
            resumeReads();
        }
    }

    /**
     * A streamed body passed {@code limits.max_request_bytes} ({@code maxBytes}): answered 413 when nothing of it
     * was forwarded yet, else the upstream and the client are both cut. Either way the call ends failed.
     */
    public void requestTooLarge(long maxBytes) {
        if (finished) {
            return;
        }
        if (upstream == null && !headSent) {
            failBeforeHead(Outcome.REQUEST_TOO_LARGE, ErrorResponses.tooLarge(client.alloc(), maxBytes, errorShape));
        } else {
            cutClient(Outcome.REQUEST_TOO_LARGE);
        }
    }

    @Override
    public void onFailed(Throwable cause) {
        log.debug("upstream connection failed: {}", cause.toString());
        failBeforeHead(Outcome.UNAVAILABLE, ErrorResponses.upstreamUnavailable(client.alloc(), describe(cause), errorShape));
    }

    @Override
    public boolean gone() {
        return finished;
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
        HttpRequest req = request;
        request = null;
        upstreamSentNanos = System.nanoTime();
        sentTick = tick();
        lastReadTick = sentTick;
        ChannelFutureListener failed = w -> {
            if (!w.isSuccess() && !finished) {
                failBeforeHead(Outcome.UNAVAILABLE, ErrorResponses.upstreamUnavailable(client.alloc(), describe(w.cause()), errorShape));
            }
        };
        if (!streamed) {
            if (req instanceof LastHttpContent whole && tap.readsRequestBody()) {
                tapRequest(whole.content(), true);
            }
            ch.writeAndFlush(req).addListener(failed);
            armTimer(Math.min(timeouts.firstByte().toNanos(), timeouts.idle().toNanos()));
            return;
        }
        // a streamed body must move every timeouts.idle until it is sent (bodySent re-arms for the first byte)
        bodyTick = sentTick;
        armTimer(timeouts.idle().toNanos());
        ch.write(req).addListener(failed);
        ArrayDeque<HttpContent> pending = pendingBody;
        for (HttpContent c; !finished && (c = pending.poll()) != null; ) {
            writeBody(ch, c);
        }
        ch.flush();
        if (!finished && ch.isWritable()) {
            resumeReads();
        }
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
        if (rewrite != null && (status != 200 || !identity(h.get(HttpHeaderNames.CONTENT_ENCODING)))) {
            rewrite = null;
        }
        if (tap.holdsBack() || rewrite != null) {
            // the body will lose the injected usage chunk, or be rewritten: its length is no longer the upstream's
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        if (!HttpUtil.isContentLengthSet(out) && mayHaveBody(status)) {
            if (clientHttp10) {
                // HTTP/1.0 has no chunked coding (RFC 9112 6.1): the body runs to the connection's close
                h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else {
                HttpUtil.setTransferEncodingChunked(out, true);
            }
        }
        if (!answerHeaders.isEmpty()) {
            answerHeaders.forEach(h::set);
        }
        headSent = true;
        client.write(out);
    }

    private static boolean identity(@Nullable String contentEncoding) {
        return contentEncoding == null || contentEncoding.isBlank()
                || contentEncoding.trim().equalsIgnoreCase(HttpHeaderValues.IDENTITY.toString());
    }

    private void onContent(HttpContent content) {
        ByteBuf buf = content.content();
        int n = buf.readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (n > 0) {
            show(buf, false);
        }
        if (last) {
            tap.onEnd();
        }
        AnswerRewrite r = rewrite;
        if (r != null) {
            ByteBuf edited = r.feed(content.retain().content(), last, client.alloc());
            HttpContent was = content;
            content = last ? new DefaultLastHttpContent(edited, ((LastHttpContent) was).trailingHeaders().copy())
                    : new DefaultHttpContent(edited);
            was.release();
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

    /**
     * One timer per call: armed once when the request is sent, re-armed only when it fires early (and once when a
     * streamed body has been sent).
     */
    private void armTimer(long nanos) {
        timer = client.executor().schedule(this::onTimer, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
            timer = null;
        }
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
        if (!headSent && streamed && !bodySent) {
            long left = bodyTick + idle - now;
            if (left > 0) {
                armTimer(left);
            } else if (readsPaused || bodyReceived) {
                // what the client sent waits on the upstream
                failBeforeHead(Outcome.TIMEOUT, ErrorResponses.upstreamTimeout(client.alloc(),
                        "the upstream took no request bytes for timeouts.idle " + timeouts.idle().toSeconds() + "s", errorShape));
            } else {
                // the client stopped sending its body
                cutClient(Outcome.CLIENT_IDLE);
            }
            return;
        }
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
        // tollgate's own 502/504/413 answer a metered call too: it carries the call's rate-limit and budget headers
        answerHeaders.forEach(response.headers()::set);
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
        cancelTimer();
        if (request != null) {
            ReferenceCountUtil.release(request);
            request = null;
        }
        releaseHeld();
        if (pendingBody != null) {
            for (HttpContent c; (c = pendingBody.poll()) != null; ) {
                c.release();
            }
        }
        // whoever owns the client now (the next request, or a closing connection) reads it again
        resumeReads();
        Channel up = upstream;
        upstream = null;
        if (up != null) {
            UpstreamHandler.bind(up, null);
            // a request not sent whole (the upstream answered mid-upload) leaves the connection unusable
            if (outcome != Outcome.COMPLETE || !upstreamKeepAlive || (streamed && !bodySent)) {
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

    /** How often a streamed body's client was paused because the upstream could take no more. */
    public long uploadPauses() {
        return uploadPauses;
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

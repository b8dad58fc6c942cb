package tollgate.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.metering.call.Outcome;
import tollgate.metering.key.ApiKeys;
import tollgate.metering.usage.BodySplice;
import tollgate.metering.usage.RequestInfo;
import tollgate.proxy.relay.Admission;
import tollgate.proxy.relay.AnswerRewrite;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.relay.CallRequest;
import tollgate.proxy.relay.CallTap;
import tollgate.proxy.relay.Exchange;
import tollgate.proxy.relay.HopByHop;
import tollgate.proxy.relay.RelayContext;
import tollgate.proxy.upstream.Route;
import tollgate.proxy.upstream.Routes;
import tollgate.proxy.upstream.UpstreamTarget;

/**
 * The forwarder: chooses the call's route when routes are configured (SPEC 13), admits it through the
 * {@link CallGate}, then relays it to the route's upstream (else the one upstream) as one {@link Exchange}. A call in progress pauses {@link NextRead}: a pipelined request waits there until the call
 * before it has ended, so this handler keeps no queue.
 * <pre>
 *   … → RequestAggregator → LocalRouteHandler → ProxyHandler (last)
 * </pre>
 * Its own answers: 404 {@code no_route} (no route takes the call), and those of the {@link CallGate} (401, 429)
 * and the {@link Exchange} (502, 504), in Anthropic's error shape on {@code /v1/messages}.
 *
 * <p>A streamed upload ({@link RequestAggregator} passes a multipart body on as it arrives) is admitted on its first
 * {@value #ADMISSION_BYTES} bytes (all of it when smaller), where the form's {@code model} field normally is, with
 * its declared length as the size of its file; then its chunks go to the {@link Exchange} as they come, which stops
 * reading the client through {@link NextRead} while the upstream takes no more. Past {@code limits.max_request_bytes}
 * it gets 413 (or is cut once forwarding began). Answered before its last byte (a refusal, a 502, an early answer of
 * the upstream), the connection is closed once the answer is out, dropping the rest of the body meanwhile.
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    private static final AsciiString TOLLGATE_HEADER_PREFIX = AsciiString.cached("x-tollgate-");

    /** A streamed upload is admitted on this many of its first bytes, or on all of it when it is shorter. */
    static final int ADMISSION_BYTES = 64 * 1024;

    private final RelayContext relay;
    private final CallGate gate;
    private final InFlight inFlight;
    private final NextRead next;
    private final long maxRequestBytes;
    private @Nullable Exchange current;
    /** The streamed upload in progress on this connection. */
    private @Nullable Upload upload;
    private boolean admitting;
    private boolean closed;
    /** An upload was answered before its last byte: the connection is closing and what still arrives is dropped. */
    private boolean closing;

    ProxyHandler(RelayContext relay, CallGate gate, InFlight inFlight, NextRead next, long maxRequestBytes) {
        this.relay = relay;
        this.gate = gate;
        this.inFlight = inFlight;
        this.next = next;
        this.maxRequestBytes = maxRequestBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest req && !closing) {
            long received = System.nanoTime();
            next.pause();
            admitting = true;
            inFlight.begin();
            ByteBuf content = req.content();
            admit(ctx, req, received, content::nioBuffers, content.readableBytes(), () -> {
                ByteBuf held = content.retain();
                return held::release;
            });
        } else if (msg instanceof HttpRequest head && !(msg instanceof HttpContent) && !closing) {
            next.pause();
            inFlight.begin();
            upload = new Upload(head, System.nanoTime());
        } else if (msg instanceof HttpContent chunk && !(msg instanceof HttpRequest) && !closing) {
            uploadChunk(ctx, chunk);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The next chunk of a streamed upload: kept until the first bytes are admitted, then forwarded. */
    private void uploadChunk(ChannelHandlerContext ctx, HttpContent chunk) {
        Upload u = upload;
        if (u == null) {
            chunk.release();
            return;
        }
        if (chunk.decoderResult().isFailure()) {
            // a body that cannot be framed (broken chunking): nothing more can be read on this connection
            chunk.release();
            ctx.close();
            return;
        }
        u.bytes += chunk.content().readableBytes();
        u.complete = chunk instanceof LastHttpContent;
        if (u.bytes > maxRequestBytes) {
            chunk.release();
            tooLarge(ctx, u);
            return;
        }
        Exchange ex = u.exchange;
        if (ex != null) {
            ex.onRequestContent(chunk);
            return;
        }
        u.chunks.add(chunk);
        if (u.admitting) {
            // the gate is deciding: the rest waits in the client's socket
            next.pauseBody();
        } else if (u.complete || u.bytes >= ADMISSION_BYTES) {
            admitUpload(ctx, u);
        }
    }

    private void admitUpload(ChannelHandlerContext ctx, Upload u) {
        u.admitting = true;
        admitting = true;
        // a snapshot: the gate may read or retain these bytes on another thread while more chunks arrive
        ByteBuf[] first = new ByteBuf[u.chunks.size()];
        int i = 0;
        for (HttpContent c : u.chunks) {
            first[i++] = c.content();
        }
        long declared = HttpUtil.getContentLength(u.head, -1L);
        long bodyBytes = u.complete ? u.bytes : declared >= 0 ? declared : maxRequestBytes;
        admit(ctx, u.head, u.received, () -> Upload.nioBuffers(first), bodyBytes, () -> {
            for (ByteBuf b : first) {
                b.retain();
            }
            return () -> {
                for (ByteBuf b : first) {
                    b.release();
                }
            };
        });
    }

    /** A streamed upload passed {@code limits.max_request_bytes}. */
    private void tooLarge(ChannelHandlerContext ctx, Upload u) {
        Exchange ex = u.exchange;
        if (ex != null) {
            ex.requestTooLarge(maxRequestBytes);
        } else if (u.admitting) {
            // answered (and recorded) once the gate has decided
            u.tooLarge = true;
        } else {
            // still gathering its first bytes: answered here, as RequestAggregator answers an aggregated body
            ctx.writeAndFlush(ErrorResponses.tooLarge(ctx.alloc(), maxRequestBytes, ErrorResponses.Shape.ofPath(u.head.uri())));
            done(ctx);
        }
    }

    /**
     * Routes and admits a request whose body (a whole one, or an upload's first bytes) is {@code body}.
     *
     * @param bodyBytes the whole body's length (an upload's declared one)
     */
    private void admit(ChannelHandlerContext ctx, HttpRequest req, long received, Supplier<ByteBuffer[]> body,
                       long bodyBytes, CallRequest.BodyHold hold) {
        // RequestHeadGuard made the target a canonical path and query: what is metered is what is forwarded
        String uri = req.uri();
        Route route = null;
        Routes routes = relay.routes().get();
        if (!routes.isEmpty()) {
            route = routes.select(uri, () -> RequestInfo.peekModel(body.get()));
            if (route == null) {
                noRoute(ctx, req, uri, body);
                return;
            }
        }
        // a path route's prefix is not the upstream's: /azure/openai/deployments/… goes on as /openai/deployments/…
        String pathAndQuery = route == null || route.pathPrefix() == null ? uri : withoutPrefix(uri, route.pathPrefix());
        Route chosen = route;
        CallRequest call = new CallRequest(req.method().name(), RequestTarget.path(pathAndQuery), req.headers(),
                body.get(), bodyBytes, hold, received, route == null ? null : route.provider());
        CompletionStage<Admission> stage;
        try {
            stage = gate.admit(call);
        } catch (RuntimeException e) {
            stage = CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((admission, error) -> {
            if (ctx.executor().inEventLoop()) {
                admittedSafely(ctx, req, pathAndQuery, chosen, received, admission, error);
            } else {
                ctx.executor().execute(() -> admittedSafely(ctx, req, pathAndQuery, chosen, received, admission, error));
            }
        });
    }

    private static String withoutPrefix(String uri, String prefix) {
        String rest = uri.substring(prefix.length());
        return rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest;
    }

    /** SPEC 13: a call that no route takes is answered 404 naming its model, never sent to an upstream not configured. */
    private void noRoute(ChannelHandlerContext ctx, HttpRequest req, String uri, Supplier<ByteBuffer[]> body) {
        String model = RequestInfo.peekModel(body.get());
        drop(req);
        admitting = false;
        String what = model == null ? "this request (it names no model, and its path " + RequestTarget.path(uri)
                + " matches no path_prefix)" : "model '" + model + "'";
        FullHttpResponse res = ErrorResponses.of(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "invalid_request_error",
                "no_route", "no route in tollgate's routes matches " + what, ErrorResponses.Shape.ofPath(uri));
        ctx.writeAndFlush(res);
        done(ctx);
    }

    /** Lets go of a request that is not forwarded: its body, or the chunks an upload has sent so far. */
    private void drop(HttpRequest req) {
        if (req instanceof FullHttpRequest full) {
            if (full.refCnt() > 0) {
                full.release();
            }
        } else if (upload != null && upload.head == req) {
            upload.release();
        }
    }

    private void admittedSafely(ChannelHandlerContext ctx, HttpRequest req, String pathAndQuery,
                                @Nullable Route route, long received, @Nullable Admission admission,
                                @Nullable Throwable error) {
        try {
            admitted(ctx, req, pathAndQuery, route, received, admission, error);
        } catch (RuntimeException e) {
            log.error("forwarding failed", e);
            drop(req);
            if (current == null) {
                admitting = false;
                FullHttpResponse failed = ErrorResponses.of(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "api_error", "internal_error", "tollgate failed to forward the call",
                        ErrorResponses.Shape.ofPath(pathAndQuery));
                if (admission instanceof Admission.Forward f) {
                    // no exchange took the admitted call: it ends here, so its budget hold, journal line, rate
                    // draw and request body are let go (nothing went upstream, nothing is charged)
                    Exchange.refused(ctx, failed, f.tap(), Outcome.INTERNAL_ERROR, received);
                } else {
                    ctx.writeAndFlush(failed);
                }
                done(ctx);
            }
        }
    }

    private void admitted(ChannelHandlerContext ctx, HttpRequest req, String pathAndQuery, @Nullable Route route,
                          long received, @Nullable Admission admission, @Nullable Throwable error) {
        admitting = false;
        Upload u = upload != null && upload.head == req ? upload : null;
        if (closed || !ctx.channel().isActive()) {
            drop(req);
            if (admission instanceof Admission.Forward f) {
                Exchange.clientGoneBeforeForwarding(f.tap(), received);
            }
            done(ctx);
            return;
        }
        if (u != null && u.tooLarge) {
            drop(req);
            CallTap tap = admission instanceof Admission.Forward f ? f.tap()
                    : admission instanceof Admission.Refuse r ? r.tap() : CallTap.NONE;
            Exchange.refused(ctx, ErrorResponses.tooLarge(ctx.alloc(), maxRequestBytes, ErrorResponses.Shape.ofPath(pathAndQuery)),
                    tap, Outcome.REQUEST_TOO_LARGE, received);
            done(ctx);
            return;
        }
        if (error != null || admission == null) {
            log.error("admission failed", error);
            drop(req);
            ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "api_error", "internal_error", "tollgate could not admit the call",
                    ErrorResponses.Shape.ofPath(pathAndQuery)));
            done(ctx);
            return;
        }
        if (admission instanceof Admission.Refuse r) {
            drop(req);
            if (route != null) {
                // a refusal's record names the route its call would have taken
                r.tap().provider(route.provider(), route.trustProviderCost());
            }
            Exchange.refused(ctx, refusal(ctx, r, ErrorResponses.Shape.ofPath(pathAndQuery)), r.tap(), r.outcome(),
                    received);
            done(ctx);
            return;
        }
        Admission.Forward f = (Admission.Forward) admission;
        UpstreamTarget target = route == null ? relay.pool().target() : route.pool().target();
        // read before the head is edited for the upstream (its Host becomes the upstream's)
        AnswerRewrite rewrite = AnswerRewrite.resultsUrl(req.method().name(), RequestTarget.path(req.uri()),
                req.headers().get(HttpHeaderNames.HOST), req.headers().get("x-forwarded-host"),
                req.headers().get("x-forwarded-proto"), target.base());
        HttpRequest upstreamReq = upstreamRequest(ctx, req, pathAndQuery, f, target, route, rewrite != null);
        if (route != null) {
            f.tap().provider(route.provider(), route.trustProviderCost());
        }
        Exchange ex = new Exchange(ctx, upstreamReq, relay, route == null ? relay.pool() : route.pool(), f.tap(),
                received, e -> {
            if (current == e) {
                current = null;
            }
            done(ctx);
        });
        ex.answerHeaders(f.answerHeaders());
        if (rewrite != null) {
            ex.rewriteAnswer(rewrite);
        }
        ex.errorShape(ErrorResponses.Shape.ofPath(pathAndQuery));
        ex.clientHttp10(req.protocolVersion().equals(HttpVersion.HTTP_1_0));
        current = ex;
        if (u != null) {
            u.exchange = ex;
            ex.bodyReads(next);
            // from here the exchange stops reading the client whenever it cannot forward
            next.resumeBody();
            for (HttpContent c; (c = u.chunks.poll()) != null; ) {
                ex.onRequestContent(c);
            }
        }
        ex.start();
    }

    /** A call has ended: read the connection's next request (or close, when an upload was answered before its end). */
    private void done(ChannelHandlerContext ctx) {
        inFlight.end();
        Upload u = upload;
        if (u != null) {
            upload = null;
            u.release();
            next.resumeBody();
            if (!u.complete) {
                // the rest of its body is not a next request: dropped while the answer goes out, then the connection closes
                closing = true;
                if (!closed) {
                    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> RequestHeadGuard.lingeringClose(ctx));
                }
                return;
            }
        }
        if (!closed) {
            next.resume();
        }
    }

    /**
     * The request as the upstream gets it; the client's headers are edited in place (the request is ours). A streamed
     * upload goes on as a head (its chunks follow), with its declared length, or chunked.
     */
    private HttpRequest upstreamRequest(ChannelHandlerContext ctx, HttpRequest req, String pathAndQuery,
                                        Admission.Forward f, UpstreamTarget target, @Nullable Route route,
                                        boolean identity) {
        ByteBuf body = req instanceof FullHttpRequest full ? full.content() : null;
        BodySplice splice = body == null ? null : f.usageSplice();
        HttpHeaders h = req.headers();
        HopByHop.strip(h);
        removeTollgateHeaders(h);
        h.set(HttpHeaderNames.HOST, target.hostHeader());
        h.remove(HttpHeaderNames.EXPECT);
        if (body != null) {
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, splice == null ? body.readableBytes()
                    : splice.start() + splice.insert().length + body.readableBytes() - splice.end());
        } else if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        // a route's key replaces the caller's, as a virtual key's does, and wins over it (SPEC 13)
        String credential = route != null && route.authorization() != null ? route.authorization() : f.upstreamAuthorization();
        if (credential != null) {
            replaceCredential(h, credential, pathAndQuery);
        }
        if (route != null) {
            route.headers().forEach(h::set);
        }
        if (f.identityEncoding() || identity) {
            // metering reads the body, or tollgate edits it: ask for it uncompressed (clients accept identity by
            // definition)
            h.set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY);
        }
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress isa && isa.getAddress() != null) {
            String prior = h.get("x-forwarded-for");
            String ip = isa.getAddress().getHostAddress();
            h.set("x-forwarded-for", prior == null || prior.isBlank() ? ip : prior + ", " + ip);
        }
        if (!h.contains("x-forwarded-proto")) {
            h.set("x-forwarded-proto", "http");
        }
        String uri = target.basePath() + pathAndQuery;
        if (splice != null) {
            // last, once nothing above can throw: the client's bytes around the edit, as slices (never copied)
            int at = body.readerIndex();
            ByteBuf spliced = Unpooled.wrappedBuffer(body.retainedSlice(at, splice.start()),
                    Unpooled.wrappedBuffer(splice.insert()),
                    body.retainedSlice(at + splice.end(), body.readableBytes() - splice.end()));
            body.release();
            body = spliced;
        }
        return body == null ? new DefaultHttpRequest(HttpVersion.HTTP_1_1, req.method(), uri, h)
                : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, req.method(), uri, body, h, EmptyHttpHeaders.INSTANCE);
    }

    /**
     * A virtual key's upstream credential (SPEC 3) in the header its API reads: {@code x-api-key} on Anthropic's
     * Messages API (SPEC 13), {@code api-key} when the caller sent one (Azure OpenAI), else {@code Authorization}.
     * Every other credential header of the caller is removed, so its key never reaches the upstream.
     */
    static void replaceCredential(HttpHeaders h, String bearer, String pathAndQuery) {
        String key = bearer.startsWith(BEARER_PREFIX) ? bearer.substring(BEARER_PREFIX.length()) : bearer;
        boolean anthropic = ErrorResponses.Shape.ofPath(pathAndQuery) == ErrorResponses.Shape.ANTHROPIC;
        boolean azure = !anthropic && ApiKeys.bearerToken(h.get(HttpHeaderNames.AUTHORIZATION)) == null
                && h.contains(API_KEY);
        h.remove(HttpHeaderNames.AUTHORIZATION);
        h.remove(API_KEY);
        h.remove(X_API_KEY);
        if (anthropic) {
            h.set(X_API_KEY, key);
        } else if (azure) {
            h.set(API_KEY, key);
        } else {
            h.set(HttpHeaderNames.AUTHORIZATION, bearer);
        }
    }

    private static final String BEARER_PREFIX = "Bearer ";
    private static final AsciiString API_KEY = AsciiString.cached("api-key");
    private static final AsciiString X_API_KEY = AsciiString.cached("x-api-key");

    /** {@code X-Tollgate-*} headers are consumed (SPEC 2); one pass, no String per header. */
    private static void removeTollgateHeaders(HttpHeaders h) {
        List<CharSequence> consumed = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            CharSequence name = it.next().getKey();
            if (AsciiString.regionMatches(name, true, 0, TOLLGATE_HEADER_PREFIX, 0, TOLLGATE_HEADER_PREFIX.length())) {
                if (consumed == null) {
                    consumed = new ArrayList<>(2);
                }
                consumed.add(name);
            }
        }
        if (consumed != null) {
            consumed.forEach(h::remove);
        }
    }

    private static FullHttpResponse refusal(ChannelHandlerContext ctx, Admission.Refuse r, ErrorResponses.Shape shape) {
        ByteBuf body = ctx.alloc().buffer();
        body.writeCharSequence(shape == ErrorResponses.Shape.ANTHROPIC
                ? ErrorResponses.anthropicJson(r.status(), r.jsonBody()) : r.jsonBody(), StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(ErrorResponses.SHOULD_RETRY, ErrorResponses.shouldRetry(r.status()) ? "true" : "false");
        r.headers().forEach(res.headers()::set);
        return res;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = current;
        if (ex != null) {
            ex.onClientWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        Exchange ex = current;
        Upload u = upload;
        if (ex != null) {
            ex.onClientInactive();
        } else if (u != null && !u.admitting) {
            // an upload still gathering its first bytes: never admitted, nothing to record
            done(ctx);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // reader-idle: nothing arrived for timeouts.idle; a call in progress keeps its connection
            if (!admitting && current == null) {
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection error: {}", cause.toString());
        ctx.close();
    }

    /**
     * A streamed upload on its way: its chunks are kept until its first bytes are admitted, then handed to its
     * {@link Exchange} as they come. Event loop only.
     */
    private static final class Upload {
        final HttpRequest head;
        final long received;
        final ArrayDeque<HttpContent> chunks = new ArrayDeque<>(4);
        long bytes;
        boolean complete;
        /** Its first bytes are with the gate. */
        boolean admitting;
        /** It passed the size limit while the gate was deciding: answered 413 when the gate has. */
        boolean tooLarge;
        @Nullable Exchange exchange;

        Upload(HttpRequest head, long received) {
            this.head = head;
            this.received = received;
        }

        static ByteBuffer[] nioBuffers(ByteBuf[] bufs) {
            List<ByteBuffer> out = new ArrayList<>(bufs.length);
            for (ByteBuf b : bufs) {
                for (ByteBuffer n : b.nioBuffers()) {
                    out.add(n);
                }
            }
            return out.toArray(new ByteBuffer[0]);
        }

        void release() {
            for (HttpContent c; (c = chunks.poll()) != null; ) {
                c.release();
            }
        }
    }
}

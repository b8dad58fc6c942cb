package tollgate.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.metering.key.ApiKeys;
import tollgate.metering.usage.BodySplice;
import tollgate.metering.usage.RequestInfo;
import tollgate.proxy.relay.Admission;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.relay.CallRequest;
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
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    private static final AsciiString TOLLGATE_HEADER_PREFIX = AsciiString.cached("x-tollgate-");

    private final RelayContext relay;
    private final CallGate gate;
    private final InFlight inFlight;
    private final NextRead next;
    private @Nullable Exchange current;
    private boolean admitting;
    private boolean closed;

    ProxyHandler(RelayContext relay, CallGate gate, InFlight inFlight, NextRead next) {
        this.relay = relay;
        this.gate = gate;
        this.inFlight = inFlight;
        this.next = next;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        long received = System.nanoTime();
        // RequestHeadGuard made the target a canonical path and query: what is metered is what is forwarded
        String uri = req.uri();
        next.pause();
        admitting = true;
        inFlight.begin();
        ByteBuf content = req.content();
        Route route = null;
        Routes routes = relay.routes().get();
        if (!routes.isEmpty()) {
            route = routes.select(uri, () -> RequestInfo.peekModel(content.nioBuffers()));
            if (route == null) {
                noRoute(ctx, req, uri);
                return;
            }
        }
        // a path route's prefix is not the upstream's: /azure/openai/deployments/… goes on as /openai/deployments/…
        String pathAndQuery = route == null || route.pathPrefix() == null ? uri : withoutPrefix(uri, route.pathPrefix());
        Route chosen = route;
        CallRequest call = new CallRequest(req.method().name(), RequestTarget.path(pathAndQuery), req.headers(),
                content.nioBuffers(), () -> {
                    ByteBuf held = content.retain();
                    return held::release;
                }, received, route == null ? null : route.provider());
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
    private void noRoute(ChannelHandlerContext ctx, FullHttpRequest req, String uri) {
        String model = RequestInfo.peekModel(req.content().nioBuffers());
        req.release();
        admitting = false;
        String what = model == null ? "this request (it names no model, and its path " + RequestTarget.path(uri)
                + " matches no path_prefix)" : "model '" + model + "'";
        FullHttpResponse res = ErrorResponses.of(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "invalid_request_error",
                "no_route", "no route in tollgate's routes matches " + what, ErrorResponses.Shape.ofPath(uri));
        ctx.writeAndFlush(res);
        done(ctx);
    }

    private void admittedSafely(ChannelHandlerContext ctx, FullHttpRequest req, String pathAndQuery,
                                @Nullable Route route, long received, @Nullable Admission admission,
                                @Nullable Throwable error) {
        try {
            admitted(ctx, req, pathAndQuery, route, received, admission, error);
        } catch (RuntimeException e) {
            log.error("forwarding failed", e);
            if (req.refCnt() > 0) {
                req.release();
            }
            if (current == null) {
                admitting = false;
                ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "api_error", "internal_error", "tollgate failed to forward the call",
                        ErrorResponses.Shape.ofPath(pathAndQuery)));
                done(ctx);
            }
        }
    }

    private void admitted(ChannelHandlerContext ctx, FullHttpRequest req, String pathAndQuery, @Nullable Route route,
                          long received, @Nullable Admission admission, @Nullable Throwable error) {
        admitting = false;
        if (closed || !ctx.channel().isActive()) {
            req.release();
            if (admission instanceof Admission.Forward f) {
                Exchange.clientGoneBeforeForwarding(f.tap(), received);
            }
            done(ctx);
            return;
        }
        if (error != null || admission == null) {
            log.error("admission failed", error);
            req.release();
            ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "api_error", "internal_error", "tollgate could not admit the call",
                    ErrorResponses.Shape.ofPath(pathAndQuery)));
            done(ctx);
            return;
        }
        if (admission instanceof Admission.Refuse r) {
            req.release();
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
        FullHttpRequest upstreamReq = upstreamRequest(ctx, req, pathAndQuery, f, route);
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
        ex.errorShape(ErrorResponses.Shape.ofPath(pathAndQuery));
        current = ex;
        ex.start();
    }

    /** A call has ended: read the connection's next request. */
    private void done(ChannelHandlerContext ctx) {
        inFlight.end();
        if (!closed) {
            next.resume();
        }
    }

    /** The request as the upstream gets it; the client's headers are edited in place (the request is ours). */
    private FullHttpRequest upstreamRequest(ChannelHandlerContext ctx, FullHttpRequest req, String pathAndQuery,
                                            Admission.Forward f, @Nullable Route route) {
        UpstreamTarget target = route == null ? relay.pool().target() : route.pool().target();
        ByteBuf body = req.content();
        BodySplice splice = f.usageSplice();
        if (splice != null) {
            // the client's bytes around the edit, as slices: the body is never copied
            int at = body.readerIndex();
            ByteBuf spliced = Unpooled.wrappedBuffer(body.retainedSlice(at, splice.start()),
                    Unpooled.wrappedBuffer(splice.insert()),
                    body.retainedSlice(at + splice.end(), body.readableBytes() - splice.end()));
            body.release();
            body = spliced;
        }
        HttpHeaders h = req.headers();
        HopByHop.strip(h);
        removeTollgateHeaders(h);
        h.set(HttpHeaderNames.HOST, target.hostHeader());
        h.remove(HttpHeaderNames.EXPECT);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        // a route's key replaces the caller's, as a virtual key's does, and wins over it (SPEC 13)
        String credential = route != null && route.authorization() != null ? route.authorization() : f.upstreamAuthorization();
        if (credential != null) {
            replaceCredential(h, credential, pathAndQuery);
        }
        if (route != null) {
            route.headers().forEach(h::set);
        }
        if (f.identityEncoding()) {
            // metering reads the body: ask for it uncompressed (clients accept identity by definition)
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
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, req.method(), target.basePath() + pathAndQuery, body, h,
                EmptyHttpHeaders.INSTANCE);
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
        if (ex != null) {
            ex.onClientInactive();
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
}

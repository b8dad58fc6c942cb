package tollgate.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.Timeouts;
import tollgate.proxy.relay.Admission;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.relay.CallRequest;
import tollgate.proxy.relay.Exchange;
import tollgate.proxy.relay.HopByHop;
import tollgate.proxy.upstream.UpstreamPool;
import tollgate.proxy.upstream.UpstreamTarget;

/**
 * Forwards each aggregated request to the upstream, one exchange at a time per connection (a pipelined
 * request waits, with reading paused, until the one before it has finished).
 * <pre>
 *   … → RequestAggregator → AdminRoutes → ProxyHandler (last)
 * </pre>
 * Its own answers come from the {@link CallGate} (401, 429) and the {@link Exchange} (502, 504).
 */
public final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyHandler.class);
    private static final String TOLLGATE_HEADER_PREFIX = "x-tollgate-";

    private final UpstreamPool pool;
    private final Timeouts timeouts;
    private final CallGate gate;
    private final InFlight inFlight;
    private final LocalRoutes routes;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>(2);
    private @Nullable Exchange current;
    private boolean admitting;
    private boolean closed;

    public ProxyHandler(UpstreamPool pool, Timeouts timeouts, CallGate gate, InFlight inFlight, LocalRoutes routes) {
        this.pool = pool;
        this.routes = routes;
        this.timeouts = timeouts;
        this.gate = gate;
        this.inFlight = inFlight;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy()) {
            waiting.add(req);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, req);
    }

    private boolean busy() {
        return admitting || current != null;
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        long received = System.nanoTime();
        String uri = req.uri();
        String pathAndQuery = originForm(uri);
        if (pathAndQuery == null) {
            req.release();
            ctx.writeAndFlush(ErrorResponses.badRequest(ctx.alloc(), "request target must be a path, e.g. /v1/chat/completions"));
            return;
        }
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        admitting = true;
        if (LocalRoutes.reserved(path)) {
            routes.serve(ctx, req, path, q < 0 ? "" : pathAndQuery.substring(q + 1), () -> {
                if (ctx.executor().inEventLoop()) {
                    routeDone(ctx);
                } else {
                    ctx.executor().execute(() -> routeDone(ctx));
                }
            });
            return;
        }
        inFlight.begin();
        CallRequest call = new CallRequest(req.method().name(), path, req.headers(), req.content().nioBuffer(), received);
        java.util.concurrent.CompletionStage<Admission> stage;
        try {
            stage = gate.admit(call);
        } catch (RuntimeException e) {
            stage = java.util.concurrent.CompletableFuture.failedFuture(e);
        }
        stage.whenComplete((admission, error) -> {
            if (ctx.executor().inEventLoop()) {
                admittedSafely(ctx, req, pathAndQuery, received, admission, error);
            } else {
                ctx.executor().execute(() -> admittedSafely(ctx, req, pathAndQuery, received, admission, error));
            }
        });
    }

    private void admittedSafely(ChannelHandlerContext ctx, FullHttpRequest req, String pathAndQuery, long received,
                                @Nullable Admission admission, @Nullable Throwable error) {
        try {
            admitted(ctx, req, pathAndQuery, received, admission, error);
        } catch (RuntimeException e) {
            log.error("forwarding failed", e);
            if (req.refCnt() > 0) {
                req.release();
            }
            if (current == null) {
                admitting = false;
                ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), io.netty.handler.codec.http.HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "api_error", "internal_error", "tollgate failed to forward the call"));
                done(ctx);
            }
        }
    }

    private void admitted(ChannelHandlerContext ctx, FullHttpRequest req, String pathAndQuery, long received,
                          @Nullable Admission admission, @Nullable Throwable error) {
        admitting = false;
        if (closed || !ctx.channel().isActive()) {
            req.release();
            if (admission instanceof Admission.Forward f) {
                // the client left before we forwarded: nothing was spent
                f.tap().onFinish(new tollgate.proxy.relay.ExchangeResult(tollgate.proxy.relay.Outcome.CLIENT_GONE,
                        0, received, 0, 0, 0, System.nanoTime(), 0));
            }
            done(ctx);
            return;
        }
        if (error != null || admission == null) {
            log.error("admission failed", error);
            req.release();
            ctx.writeAndFlush(ErrorResponses.of(ctx.alloc(), io.netty.handler.codec.http.HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    "api_error", "internal_error", "tollgate could not admit the call"));
            done(ctx);
            return;
        }
        if (admission instanceof Admission.Refuse r) {
            req.release();
            ctx.writeAndFlush(refusal(ctx, r));
            done(ctx);
            return;
        }
        Admission.Forward f = (Admission.Forward) admission;
        FullHttpRequest upstreamReq = upstreamRequest(ctx, req, pathAndQuery, f);
        Exchange ex = new Exchange(ctx, upstreamReq, pool, timeouts, f.tap(), received, inFlight::pausedUpstream, e -> {
            if (current == e) {
                current = null;
            }
            done(ctx);
        });
        ex.budgetRemainingHeader(f.budgetRemainingUsd());
        current = ex;
        ex.start();
    }

    private void routeDone(ChannelHandlerContext ctx) {
        admitting = false;
        next(ctx);
    }

    private void done(ChannelHandlerContext ctx) {
        inFlight.end();
        next(ctx);
    }

    private void next(ChannelHandlerContext ctx) {
        FullHttpRequest next = waiting.poll();
        if (next != null) {
            handle(ctx, next);
        } else if (!closed) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
    }

    private FullHttpRequest upstreamRequest(ChannelHandlerContext ctx, FullHttpRequest req, String pathAndQuery, Admission.Forward f) {
        UpstreamTarget target = pool.target();
        ByteBuf body;
        if (f.body() != null) {
            body = Unpooled.wrappedBuffer(f.body());
            req.release();
        } else {
            body = req.content();
        }
        HttpHeaders h = req.headers().copy();
        HopByHop.strip(h);
        java.util.List<String> consumed = new java.util.ArrayList<>(2);
        for (Iterator<Map.Entry<String, String>> it = h.iteratorAsString(); it.hasNext(); ) {
            String name = it.next().getKey();
            if (name.regionMatches(true, 0, TOLLGATE_HEADER_PREFIX, 0, TOLLGATE_HEADER_PREFIX.length())) {
                consumed.add(name);
            }
        }
        consumed.forEach(h::remove);
        h.set(HttpHeaderNames.HOST, target.hostHeader());
        h.remove(HttpHeaderNames.EXPECT);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (f.upstreamAuthorization() != null) {
            h.remove("api-key");
            h.remove("x-api-key");
            h.set(HttpHeaderNames.AUTHORIZATION, f.upstreamAuthorization());
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
        DefaultFullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, req.method(),
                target.basePath() + pathAndQuery, body, h, io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        return out;
    }

    private static FullHttpResponse refusal(ChannelHandlerContext ctx, Admission.Refuse r) {
        ByteBuf body = ctx.alloc().buffer();
        body.writeCharSequence(r.jsonBody(), StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, r.status(), body);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        r.headers().forEach(res.headers()::set);
        return res;
    }

    /** The path and query of a request target in origin form or absolute form; null for anything else. */
    static @Nullable String originForm(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            int slash = uri.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return null;
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
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof io.netty.handler.timeout.IdleStateEvent) {
            if (!busy() && waiting.isEmpty()) {
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

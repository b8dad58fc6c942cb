package tollgate.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Answers the reserved paths (SPEC 2: health, metrics, admin, dashboard, self-service) through
 * {@link LocalRoutes}; every other request goes on to the forwarder. Reading pauses while an answer is in progress
 * ({@link NextRead} holds whatever arrives meanwhile) and resumes once it is complete.
 * <pre>
 *   … → RequestAggregator → LocalRouteHandler → ProxyHandler
 * </pre>
 */
final class LocalRouteHandler extends ChannelInboundHandlerAdapter {
    private final LocalRoutes routes;
    private final NextRead next;
    private boolean serving;

    LocalRouteHandler(LocalRoutes routes, NextRead next) {
        this.routes = routes;
        this.next = next;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest req) {
            // RequestHeadGuard made the target a canonical path and query
            String target = req.uri();
            String path = RequestTarget.path(target);
            if (LocalRoutes.reserved(path)) {
                serving = true;
                next.pause();
                routes.serve(ctx, req, path, RequestTarget.query(target), () -> {
                    if (ctx.executor().inEventLoop()) {
                        served(ctx);
                    } else {
                        ctx.executor().execute(() -> served(ctx));
                    }
                });
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void served(ChannelHandlerContext ctx) {
        serving = false;
        next.resume();
    }


    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && serving) {
            // a live admin stream reads nothing from its client for as long as it runs
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }
}

package tollgate.proxy.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.function.Supplier;
import tollgate.proxy.server.ErrorResponses;
import tollgate.proxy.server.InFlight;
import tollgate.proxy.server.LocalRoutes;

/**
 * Answers tollgate's reserved paths: health, readiness and metrics need no token.
 * Unknown reserved paths answer an OpenAI-shaped 404.
 */
public final class AdminRoutes implements LocalRoutes {
    /** Prometheus text for an Accept header; returns content type and body. */
    public interface MetricsScrape {
        String[] scrape(String accept);
    }

    private final Supplier<InFlight> inFlight;
    private final MetricsScrape metrics;

    public AdminRoutes(Supplier<InFlight> inFlight, MetricsScrape metrics) {
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest req, String path, String query, Runnable done) {
        FullHttpResponse res;
        try {
            res = answer(ctx, req, path);
        } finally {
            req.release();
        }
        ctx.writeAndFlush(res).addListener(f -> done.run());
    }

    private FullHttpResponse answer(ChannelHandlerContext ctx, FullHttpRequest req, String path) {
        boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
        switch (path) {
            case "/healthz":
                return Responses.json(ctx, HttpResponseStatus.OK, "{\"status\":\"ok\"}");
            case "/readyz": {
                InFlight f = inFlight.get();
                boolean ready = f != null && !f.draining();
                return Responses.json(ctx, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ready ? "{\"status\":\"ready\"}" : "{\"status\":\"draining\"}");
            }
            case "/metrics": {
                if (!get) {
                    return methodNotAllowed(ctx);
                }
                String accept = req.headers().get("accept", "");
                String[] scraped = metrics.scrape(accept);
                return Responses.text(ctx, HttpResponseStatus.OK, scraped[0], scraped[1]);
            }
            default:
                return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "invalid_request_error", "not_found",
                        "no such tollgate route: " + path);
        }
    }

    private static FullHttpResponse methodNotAllowed(ChannelHandlerContext ctx) {
        return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request_error",
                "method_not_allowed", "method not allowed");
    }
}

package tollgate.proxy.admin;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tollgate.proxy.server.ErrorResponses;
import tollgate.proxy.server.InFlight;
import tollgate.proxy.server.LocalRoutes;

/**
 * Answers tollgate's reserved paths (SPEC 9–10). Health, readiness and metrics need no token; {@code /admin/…}
 * and {@code /dashboard} need the admin bearer token (401 without it, 404 when none is configured);
 * {@code /tollgate/v1/usage} takes the caller's own API key. Errors are OpenAI-shaped.
 */
public final class AdminRoutes implements LocalRoutes {
    /** Prometheus text for an Accept header; returns content type and body. */
    public interface MetricsScrape {
        String[] scrape(String accept);
    }

    /** What the admin API reads and does; slow parts complete off the event loop. */
    public interface Backend {
        /** {@code /admin/budgets}, optionally only one {@code scope} (key, user, tag, model, global) or {@code name}. */
        CompletionStage<String> budgetsJson(Map<String, String> params);

        /** Reloads the config; the list is empty on success, else every reason it was refused. */
        CompletionStage<List<String>> reload();

        /** The {@code stats} JSON for {@code /admin/usage} query parameters; IllegalArgumentException for bad ones. */
        CompletionStage<String> usageJson(Map<String, String> params);

        /** {@code /tollgate/v1/usage}: the caller's key's stats plus its budgets, or null when the key is refused. */
        CompletionStage<@Nullable String> selfUsageJson(io.netty.handler.codec.http.HttpHeaders headers, Map<String, String> params);

        /** {@code /tollgate/v1/usage/recent}: the caller's key's newest records, newest first, or null when refused. */
        CompletionStage<@Nullable String> selfRecentJson(io.netty.handler.codec.http.HttpHeaders headers, int limit);

        /** {@code /admin/usage/recent}: the newest records, newest first, as a JSON array. */
        CompletionStage<String> recentJson(int limit, Map<String, String> params);

        UsageFeed feed();

        /** The dashboard page and its assets, or null when the path is not one of them. */
        default FullHttpResponse dashboard(ChannelHandlerContext ctx, String path) {
            return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "invalid_request_error", "not_found",
                    "no such tollgate route: " + path);
        }
    }

    private final Supplier<InFlight> inFlight;
    private final MetricsScrape metrics;
    private final AdminAuth auth;
    private final @Nullable Backend backend;

    public AdminRoutes(Supplier<InFlight> inFlight, MetricsScrape metrics, @Nullable String adminToken, @Nullable Backend backend) {
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.auth = new AdminAuth(adminToken);
        this.backend = backend;
    }

    @Override
    public void serve(ChannelHandlerContext ctx, FullHttpRequest req, String path, String query, Runnable done) {
        Map<String, String> params = params(query);
        CompletionStage<FullHttpResponse> answer;
        try {
            if (path.equals("/admin/usage/stream") && backend != null && authorized(req) && req.method().equals(HttpMethod.GET)) {
                req.release();
                stream(ctx, done);
                return;
            }
            answer = route(ctx, req, path, params);
        } catch (IllegalArgumentException e) {
            answer = CompletableFuture.completedFuture(ErrorResponses.badRequest(ctx.alloc(), e.getMessage()));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            answer = CompletableFuture.completedFuture(busy(ctx));
        } finally {
            if (req.refCnt() > 0) {
                req.release();
            }
        }
        answer.whenComplete((res, err) -> {
            FullHttpResponse out = res;
            if (err != null) {
                Throwable c = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
                out = c instanceof IllegalArgumentException
                        ? ErrorResponses.badRequest(ctx.alloc(), c.getMessage())
                        : c instanceof java.util.concurrent.RejectedExecutionException ? busy(ctx)
                        : ErrorResponses.of(ctx.alloc(), HttpResponseStatus.INTERNAL_SERVER_ERROR, "api_error", "internal_error",
                        "tollgate could not answer: " + c.getClass().getSimpleName());
            }
            ctx.writeAndFlush(out).addListener(f -> done.run());
        });
    }

    /** 503 when the work behind an answer is refused for now (a full queue, reads at their bound): worth retrying. */
    private static FullHttpResponse busy(ChannelHandlerContext ctx) {
        FullHttpResponse res = ErrorResponses.of(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE, "api_error",
                "tollgate_busy", "tollgate is busy with other reads; retry shortly");
        res.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        return res;
    }

    private boolean authorized(FullHttpRequest req) {
        return auth.allows(req.headers().get(HttpHeaderNames.AUTHORIZATION));
    }

    private CompletionStage<FullHttpResponse> route(ChannelHandlerContext ctx, FullHttpRequest req, String path, Map<String, String> params) {
        boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
        switch (path) {
            case "/healthz":
                return now(Responses.json(ctx, HttpResponseStatus.OK, "{\"status\":\"ok\"}"));
            case "/readyz": {
                InFlight f = inFlight.get();
                boolean ready = f != null && !f.draining();
                return now(Responses.json(ctx, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        ready ? "{\"status\":\"ready\"}" : "{\"status\":\"draining\"}"));
            }
            case "/metrics": {
                if (!get) {
                    return now(methodNotAllowed(ctx));
                }
                String[] scraped = metrics.scrape(req.headers().get("accept", ""));
                return now(Responses.text(ctx, HttpResponseStatus.OK, scraped[0], scraped[1]));
            }
            default:
                break;
        }
        Backend b = backend;
        if (path.startsWith("/tollgate/")) {
            CompletionStage<@Nullable String> own;
            if (b != null && path.equals("/tollgate/v1/usage")) {
                own = b.selfUsageJson(req.headers(), params);
            } else if (b != null && path.equals("/tollgate/v1/usage/recent")) {
                own = b.selfRecentJson(req.headers(), intParam(params, "limit", 20, 1, UsageFeed.RECENT_CAPACITY));
            } else {
                return now(notFound(ctx, path));
            }
            return own.thenApply(json -> json == null
                    ? ErrorResponses.invalidApiKey(ctx.alloc(), "a known API key is required (Authorization: Bearer <key>)")
                    : Responses.json(ctx, HttpResponseStatus.OK, json));
        }
        // admin API and dashboard: 404 when no token is configured, 401 without the right one (SPEC 9)
        if (b == null || !auth.enabled()) {
            return now(notFound(ctx, path));
        }
        if (path.equals("/dashboard") || path.startsWith("/dashboard/")) {
            return now(b.dashboard(ctx, path));
        }
        if (!authorized(req)) {
            FullHttpResponse res = ErrorResponses.of(ctx.alloc(), HttpResponseStatus.UNAUTHORIZED, "invalid_request_error",
                    "invalid_admin_token", "the admin API needs Authorization: Bearer <TOLLGATE_ADMIN_TOKEN>");
            res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
            return now(res);
        }
        switch (path) {
            case "/admin/budgets":
                return get ? b.budgetsJson(params).thenApply(json -> Responses.json(ctx, HttpResponseStatus.OK, json)) : now(methodNotAllowed(ctx));
            case "/admin/reload":
                if (!req.method().equals(HttpMethod.POST)) {
                    return now(methodNotAllowed(ctx));
                }
                return b.reload().thenApply(errors -> errors.isEmpty()
                        ? Responses.json(ctx, HttpResponseStatus.OK, "{\"reloaded\":true}")
                        : ErrorResponses.of(ctx.alloc(), HttpResponseStatus.UNPROCESSABLE_ENTITY, "invalid_request_error",
                        "invalid_config", "config refused, the running one stays: " + String.join("; ", errors)));
            case "/admin/usage":
                return get ? b.usageJson(params).thenApply(json -> Responses.json(ctx, HttpResponseStatus.OK, json)) : now(methodNotAllowed(ctx));
            case "/admin/usage/recent": {
                int limit = intParam(params, "limit", 20, 1, UsageFeed.RECENT_CAPACITY);
                return b.recentJson(limit, params).thenApply(json -> Responses.json(ctx, HttpResponseStatus.OK, json));
            }
            default:
                return now(notFound(ctx, path));
        }
    }

    /** {@code /admin/usage/stream}: SSE, one {@code event: usage} per new record; the connection stays with it. */
    private void stream(ChannelHandlerContext ctx, Runnable done) {
        Backend b = backend;
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head);
        ctx.writeAndFlush(new io.netty.handler.codec.http.DefaultHttpContent(
                io.netty.buffer.Unpooled.copiedBuffer(": tollgate usage stream\n\n", java.nio.charset.StandardCharsets.UTF_8)));
        if (b == null || !b.feed().subscribe(ctx.channel())) {
            ctx.writeAndFlush(io.netty.handler.codec.http.LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
        // the stream ends when the client leaves; the connection serves nothing else meanwhile
        ctx.channel().closeFuture().addListener(f -> done.run());
    }

    private static Map<String, String> params(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return out;
        }
        new QueryStringDecoder(query, false).parameters().forEach((k, v) -> out.put(k, String.join(",", v)));
        return out;
    }

    static int intParam(Map<String, String> params, String name, int dflt, int min, int max) {
        String v = params.get(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(name + ": '" + v + "' (expected: a whole number " + min + ".." + max + ")");
    }

    private static CompletionStage<FullHttpResponse> now(FullHttpResponse r) {
        return CompletableFuture.completedFuture(r);
    }

    private static FullHttpResponse notFound(ChannelHandlerContext ctx, String path) {
        return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.NOT_FOUND, "invalid_request_error", "not_found",
                "no such tollgate route: " + path);
    }

    private static FullHttpResponse methodNotAllowed(ChannelHandlerContext ctx) {
        return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request_error",
                "method_not_allowed", "method not allowed");
    }
}

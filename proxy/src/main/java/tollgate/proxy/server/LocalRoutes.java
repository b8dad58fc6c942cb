package tollgate.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * The reserved paths tollgate answers itself (SPEC 2): {@code /metrics}, {@code /healthz}, {@code /readyz},
 * {@code /admin/…}, {@code /dashboard…}, {@code /tollgate/…}.
 */
public interface LocalRoutes {
    static boolean reserved(String path) {
        return path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz")
                || path.startsWith("/admin/") || path.equals("/admin")
                || path.startsWith("/dashboard") || path.startsWith("/tollgate/");
    }

    /**
     * Answers {@code req} (owned by the route) and runs {@code done} once the answer is complete, so the
     * connection's next request can be read.
     */
    void serve(ChannelHandlerContext ctx, FullHttpRequest req, String path, String query, Runnable done);
}

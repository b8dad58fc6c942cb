package tollgate.proxy.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import tollgate.config.Limits;
import tollgate.config.Timeouts;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.relay.RelayContext;

/**
 * The client pipeline, as a recipe (one request at a time per connection: the last two handlers pause
 * {@link NextRead} while they answer one and resume it when the answer is complete):
 * <pre>
 *   HeadDeadline (timeouts.headers) → HttpServerCodec → NextRead → keep-alive → idle (reader)
 *     → RequestHeadGuard (400, 505; the target made canonical)
 *     → RequestAggregator (413; a multipart upload passes on unaggregated, as it arrives)
 *     → LocalRouteHandler (health, metrics, admin, dashboard, self-service)
 *     → ProxyHandler (401/429 from the gate, then an Exchange per call: 502/504; an upload forwarded chunk by chunk)
 * </pre>
 * The upstream side of each call is {@code upstream.UpstreamInitializer}'s pipeline, on the same
 * event loop.
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    private final RelayContext relay;
    private final Limits limits;
    private final CallGate gate;
    private final InFlight inFlight;
    private final LocalRoutes routes;

    public ServerInitializer(RelayContext relay, Limits limits, CallGate gate, InFlight inFlight, LocalRoutes routes) {
        this.relay = relay;
        this.limits = limits;
        this.gate = gate;
        this.inFlight = inFlight;
        this.routes = routes;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        Timeouts timeouts = relay.timeouts();
        NextRead next = new NextRead();
        HeadDeadline headDeadline = new HeadDeadline(timeouts.headers().toNanos(), next::busy);
        p.addLast("head-deadline", headDeadline);
        p.addLast("http", new HttpServerCodec(8192, limits.maxHeaderBytes(), 64 * 1024));
        p.addLast("head-seen", headDeadline.seen());
        // holds what arrives while a request is being answered (a pipelined one): one request at a time
        p.addLast("next", next);
        p.addLast("keepalive", new HttpServerKeepAliveHandler());
        // idle keep-alive connections are closed by ProxyHandler when no call is in progress on them
        // reader-idle only: an all-idle timer makes Netty attach a listener to every write (bench/RESULTS.md, item 5)
        p.addLast("idle", new IdleStateHandler(timeouts.idle().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        p.addLast("head-guard", new RequestHeadGuard());
        p.addLast("aggregate", new RequestAggregator((int) limits.maxRequestBytes()));
        p.addLast("local", new LocalRouteHandler(routes, next));
        p.addLast("proxy", new ProxyHandler(relay, gate, inFlight, next, limits.maxRequestBytes()));
    }
}

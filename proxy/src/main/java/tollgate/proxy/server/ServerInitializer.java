package tollgate.proxy.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import tollgate.config.Limits;
import tollgate.config.Timeouts;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.upstream.UpstreamPool;

/**
 * The client pipeline, as a recipe:
 * <pre>
 *   HttpServerCodec → FlowControlHandler → keep-alive → idle → framing guard (400) → RequestAggregator (413) → ProxyHandler
 * </pre>
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
    private final UpstreamPool pool;
    private final Limits limits;
    private final Timeouts timeouts;
    private final CallGate gate;
    private final InFlight inFlight;
    private final LocalRoutes routes;

    public ServerInitializer(UpstreamPool pool, Limits limits, Timeouts timeouts, CallGate gate, InFlight inFlight, LocalRoutes routes) {
        this.pool = pool;
        this.limits = limits;
        this.timeouts = timeouts;
        this.gate = gate;
        this.inFlight = inFlight;
        this.routes = routes;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        addHttp1Handlers(p);
        addLimits(p);
        p.addLast("proxy", new ProxyHandler(pool, timeouts, gate, inFlight, routes));
    }

    private void addHttp1Handlers(ChannelPipeline p) {
        p.addLast("http", new HttpServerCodec(8192, limits.maxHeaderBytes(), 64 * 1024));
        // one decoded message per read(): pausing reads really pauses (Netty's proxy example relies on it)
        p.addLast("flow", new FlowControlHandler());
        p.addLast("keepalive", new HttpServerKeepAliveHandler());
    }

    private void addLimits(ChannelPipeline p) {
        // idle keep-alive connections are closed by ProxyHandler when no call is in progress on them
        // reader-idle only: an all-idle timer makes Netty attach a listener to every write (bench/RESULTS.md, item 5)
        p.addLast("idle", new IdleStateHandler(timeouts.idle().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        p.addLast("framing", new RequestFramingGuard());
        p.addLast("aggregate", new RequestAggregator((int) limits.maxRequestBytes()));
    }
}

package tollgate.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import tollgate.config.RouteConfig;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.TollgateConfig;
import tollgate.proxy.relay.CallGate;
import tollgate.proxy.relay.RelayContext;
import tollgate.proxy.upstream.Routes;
import tollgate.proxy.upstream.UpstreamPool;
import tollgate.proxy.upstream.UpstreamTarget;

/** The listening server: binds, serves, and stops gracefully (stop accepting, drain in-flight calls, close). */
public final class TollgateServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TollgateServer.class);

    private final TollgateConfig config;
    private final Transport transport;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final UpstreamPool pool;
    private final AtomicReference<Routes> routes;
    private final InFlight inFlight = new InFlight();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Channel serverChannel;

    private TollgateServer(TollgateConfig config, CallGate gate, LocalRoutes localRoutes, Map<String, String> env)
            throws IOException, InterruptedException {
        this.config = config;
        try {
            this.transport = Transport.of(config.server().transport());
        } catch (IllegalStateException e) {
            throw new IOException(e.getMessage(), e);
        }
        this.boss = transport.newGroup(1);
        this.workers = transport.newGroup(config.server().ioThreadsInEffect());
        UpstreamTarget target = UpstreamTarget.of(config.upstream(), config.caFile());
        this.pool = new UpstreamPool(target, transport.clientChannel(), config.limits(), config.timeouts(),
                () -> inFlight.upstreamConnectFailed(null));
        this.routes = new AtomicReference<>(Routes.of(config.routes(), env, config.caFile(), transport.clientChannel(),
                config.limits(), config.timeouts(), inFlight::upstreamConnectFailed));
        RelayContext relay = new RelayContext(pool, config.timeouts(), config.limits().maxHeldBytes(), inFlight,
                routes::get);
        ServerInitializer init = new ServerInitializer(relay, config.limits(), gate, inFlight, localRoutes);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new io.netty.channel.ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(init);
                    }
                });
        try {
            this.serverChannel = b.bind(config.listen().host(), config.listen().port()).sync().channel();
        } catch (Exception e) {
            shutdownGroups();
            throw new IOException("listen: cannot bind " + config.listen() + " (" + e.getMessage() + ")", e);
        }
    }

    public static TollgateServer start(TollgateConfig config, CallGate gate, LocalRoutes routes) throws IOException, InterruptedException {
        return new TollgateServer(config, gate, routes, Map.of());
    }

    /** @param env where routes' {@code key_env} keys are read (SPEC 13) */
    public static TollgateServer start(TollgateConfig config, CallGate gate, LocalRoutes routes, Map<String, String> env)
            throws IOException, InterruptedException {
        return new TollgateServer(config, gate, routes, env);
    }

    /**
     * A reload's routes (SPEC 13): each with a new pool, taking the calls that start from now on; the calls in
     * progress on the routes they replace finish on their connections, which are then closed (drained). When a new
     * route's TLS context cannot be built, the routes in effect stay and this throws.
     */
    public void replaceRoutes(List<RouteConfig> configs, Map<String, String> env, @Nullable Path caFile)
            throws IOException {
        Routes next = Routes.of(configs, env, caFile, transport.clientChannel(), config.limits(), config.timeouts(),
                inFlight::upstreamConnectFailed);
        routes.getAndSet(next).drain();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public String transportName() {
        return transport.name();
    }

    public long backpressurePauses() {
        return inFlight.backpressurePauses();
    }

    public InFlight inFlight() {
        return inFlight;
    }

    /** Stops accepting, lets in-flight calls finish up to {@code grace}, then closes every connection. */
    public void stop(Duration grace) {
        if (!serverChannel.isOpen() && workers.isShuttingDown()) {
            return;
        }
        inFlight.startDraining();
        serverChannel.close().syncUninterruptibly();
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.count() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (inFlight.count() > 0) {
            log.warn("shutdown.grace {} elapsed with {} calls still in flight; closing them", grace, inFlight.count());
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        pool.close();
        routes.get().close();
        shutdownGroups();
    }

    private void shutdownGroups() {
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }
}

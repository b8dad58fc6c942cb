package tollgate.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.util.concurrent.Future;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tollgate.config.Limits;
import tollgate.config.Timeouts;

/**
 * Keep-alive connections to the upstream, one bounded pool per event loop: a client's loop also runs its
 * upstream channel, so a call never crosses threads (as Zuul's {@code PerServerConnectionPool}).
 */
public final class UpstreamPool implements AutoCloseable {
    private final UpstreamTarget target;
    private final Bootstrap template;
    private final Limits limits;
    private final Timeouts timeouts;
    private final Map<EventLoop, FixedChannelPool> pools = new ConcurrentHashMap<>();

    public UpstreamPool(UpstreamTarget target, Class<? extends Channel> channelType, Limits limits, Timeouts timeouts) {
        this.target = target;
        this.limits = limits;
        this.timeouts = timeouts;
        this.template = new Bootstrap()
                .channel(channelType)
                .remoteAddress(target.host(), target.port())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // the relay turns autoRead off while the client cannot take more (backpressure)
                .option(ChannelOption.AUTO_READ, true);
    }

    public UpstreamTarget target() {
        return target;
    }

    /** Acquires a connection on {@code loop}; must be called from that loop. */
    public Future<Channel> acquire(EventLoop loop) {
        return pools.computeIfAbsent(loop, this::newPool).acquire();
    }

    /** Returns a connection; a closed one is dropped by the pool's health check. */
    public void release(Channel ch) {
        FixedChannelPool pool = pools.get(ch.eventLoop());
        if (pool != null) {
            pool.release(ch);
        } else {
            ch.close();
        }
    }

    private FixedChannelPool newPool(EventLoop loop) {
        Bootstrap b = template.clone(loop);
        return new FixedChannelPool(b, new AbstractChannelPoolHandler() {
            @Override
            public void channelCreated(Channel ch) {
                UpstreamInitializer.init(ch, target, limits, timeouts);
            }
        }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
                Math.max(1, timeouts.connect().toMillis()), limits.maxConnectionsPerLoop(), limits.maxPendingAcquires(), true, true);
    }

    @Override
    public void close() {
        pools.values().forEach(FixedChannelPool::close);
        pools.clear();
    }
}

package tollgate.proxy.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import tollgate.config.Limits;
import tollgate.config.Timeouts;

/**
 * Keep-alive connections to the upstream, one bounded pool per event loop: a client's loop also runs its
 * upstream channel, so a call never crosses threads and the pool needs no locks (as Zuul's
 * {@code PerServerConnectionPool}; Armeria's {@code HttpChannelPool} asserts {@code inEventLoop()} the same way).
 * <p>Per loop: a LIFO stack of idle connections (the warmest is reused), at most
 * {@code limits.max_connections_per_loop} open connections, and at most {@code limits.max_pending_acquires}
 * calls waiting in order for one, each for up to {@code timeouts.connect}. A pooled connection left unused
 * for {@code timeouts.idle} is closed (between one and two idle periods after its last use).
 * A hit creates no future, promise or task: the waiter is called back before {@link #acquire} returns.
 */
public final class UpstreamPool implements UpstreamConnections, AutoCloseable {
    /** Who gets the connection; called on the acquiring event loop, possibly before {@link #acquire} returns. */
    public interface Waiter {
        void onAcquired(Channel ch);

        void onFailed(Throwable cause);

        /** True once the call no longer wants a connection (its client left): it gives up its place in the queue. */
        default boolean gone() {
            return false;
        }
    }

    private final UpstreamTarget target;
    private final Bootstrap template;
    private final Limits limits;
    private final Timeouts timeouts;
    private final Map<EventLoop, LoopPool> pools = new ConcurrentHashMap<>();
    private final Runnable connectFailed;
    private volatile boolean closed;
    /** Replaced by a reload: calls in progress finish, no connection is kept for later. */
    private volatile boolean draining;

    public UpstreamPool(UpstreamTarget target, Class<? extends Channel> channelType, Limits limits, Timeouts timeouts) {
        this(target, channelType, limits, timeouts, () -> { });
    }

    /** @param connectFailed told of each connection to the upstream that could not be opened (a health metric) */
    public UpstreamPool(UpstreamTarget target, Class<? extends Channel> channelType, Limits limits, Timeouts timeouts,
                        Runnable connectFailed) {
        this.target = target;
        this.connectFailed = connectFailed;
        this.limits = limits;
        this.timeouts = timeouts;
        this.template = new Bootstrap()
                .channel(channelType)
                .remoteAddress(target.host(), target.port())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeouts.connect().toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                // the relay turns autoRead off while the client cannot take more (backpressure)
                .option(ChannelOption.AUTO_READ, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        UpstreamInitializer.init(ch, target, limits, timeouts);
                    }
                });
    }

    @Override
    public UpstreamTarget target() {
        return target;
    }

    /**
     * Hands {@code waiter} a connection on {@code loop}: an idle one at once, else a new one once connected, else
     * the next one released. Must be called on {@code loop}.
     */
    @Override
    public void acquire(EventLoop loop, Waiter waiter) {
        LoopPool p = pools.get(loop);
        (p != null ? p : pools.computeIfAbsent(loop, LoopPool::new)).acquire(waiter);
    }

    /**
     * Gives a connection back; must be called on its event loop. A connection that is no longer active (the
     * caller closed it because the response was not keep-alive or the call failed, or the upstream did) is
     * dropped, and its place is freed for the next waiter.
     */
    @Override
    public void release(Channel ch) {
        LoopPool p = pools.get(ch.eventLoop());
        if (p != null) {
            p.release(ch);
        } else {
            ch.close();
        }
    }

    /** Closes every connection, idle or in use, and fails the waiting calls; later acquires fail at once. */
    @Override
    public void close() {
        closed = true;
        onEachLoop(LoopPool::closeAll);
    }

    /**
     * Lets the calls in progress finish on their connections, closes each as it is released and the idle ones now
     * (a reload replaced this upstream's routes). A call that chose this pool before the reload still gets a
     * connection; nothing is pooled after it, so once the last call ends no connection stays open.
     */
    public void drain() {
        draining = true;
        onEachLoop(LoopPool::closeIdle);
    }

    /** Runs {@code task} on each loop's pool, on that loop. */
    private void onEachLoop(java.util.function.Consumer<LoopPool> task) {
        for (LoopPool p : pools.values()) {
            if (p.loop.inEventLoop()) {
                task.accept(p);
            } else {
                try {
                    p.loop.execute(() -> task.accept(p));
                } catch (RejectedExecutionException e) {
                    // the loop has shut down, and closed its channels with it
                }
            }
        }
    }

    /** Open connections on {@code loop}, idle or not; call on {@code loop}. */
    int openConnections(EventLoop loop) {
        LoopPool p = pools.get(loop);
        return p == null ? 0 : p.open.size();
    }

    /** Idle connections pooled on {@code loop}; call on {@code loop}. */
    int idleConnections(EventLoop loop) {
        LoopPool p = pools.get(loop);
        return p == null ? 0 : p.idle.size();
    }

    private record Pending(Waiter waiter, long deadlineNanos) {}

    /** The pool of one event loop; every method runs on that loop. */
    private final class LoopPool {
        final EventLoop loop;
        final Bootstrap bootstrap;
        /** Idle connections, the most recently released first. */
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        /** Every connection counted against the cap, from connect to close; its size is the count. */
        final Set<Channel> open = new HashSet<>();
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        final ChannelFutureListener onClose = f -> onClosed(f.channel());
        final Runnable expireWaiters = this::expireWaiters;
        final Runnable sweepIdle = this::sweepIdle;
        @Nullable ScheduledFuture<?> waitTimer;
        @Nullable ScheduledFuture<?> idleTimer;
        /**
         * The fewest idle connections since the last sweep: the stack only changes at its top, so that many at
         * its bottom have not been used for a whole sweep period.
         */
        int idleLowWater;

        LoopPool(EventLoop loop) {
            this.loop = loop;
            this.bootstrap = template.clone(loop);
        }

        void acquire(Waiter waiter) {
            assert loop.inEventLoop();
            Channel ch;
            while ((ch = idle.pollFirst()) != null) {
                idleLowWater = Math.min(idleLowWater, idle.size());
                if (ch.isActive()) {
                    waiter.onAcquired(ch);
                    return;
                }
                // the upstream closed it while pooled, and its close has not been processed yet
                ch.close();
            }
            if (closed) {
                waiter.onFailed(poolClosed());
            } else if (open.size() < limits.maxConnectionsPerLoop()) {
                connect(waiter);
            } else if (pending.size() < limits.maxPendingAcquires()
                    || pending.removeIf(p -> p.waiter().gone()) && pending.size() < limits.maxPendingAcquires()) {
                pending.addLast(new Pending(waiter, System.nanoTime() + timeouts.connect().toNanos()));
                if (waitTimer == null) {
                    armWaitTimer();
                }
            } else {
                waiter.onFailed(new IllegalStateException("limits.max_pending_acquires: " + limits.maxPendingAcquires()
                        + " calls already wait for an upstream connection on this event loop (all "
                        + limits.maxConnectionsPerLoop() + " of limits.max_connections_per_loop are in use)"));
            }
        }

        void release(Channel ch) {
            assert loop.inEventLoop();
            if (closed || !ch.isActive() || !open.contains(ch)) {
                ch.close();
                return;
            }
            Pending next = nextWaiter();
            if (next != null) {
                next.waiter().onAcquired(ch);
                return;
            }
            if (draining) {
                ch.close();
                return;
            }
            idle.addFirst(ch);
            if (idleTimer == null) {
                idleLowWater = idle.size();
                idleTimer = loop.schedule(sweepIdle, timeouts.idle().toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private void connect(Waiter waiter) {
            ChannelFuture f = bootstrap.connect();
            Channel ch = f.channel();
            open.add(ch);
            ch.closeFuture().addListener(onClose);
            f.addListener((ChannelFutureListener) done -> {
                if (!done.isSuccess()) {
                    onClosed(ch);
                    connectFailed.run();
                    waiter.onFailed(done.cause());
                } else if (closed) {
                    ch.close();
                    waiter.onFailed(poolClosed());
                } else {
                    waiter.onAcquired(ch);
                }
            });
        }

        /** Frees the place of a connection that closed (or never connected) and gives it to the next waiter. */
        private void onClosed(Channel ch) {
            if (idle.remove(ch)) {
                idleLowWater = Math.max(0, Math.min(idleLowWater - 1, idle.size()));
            }
            if (!open.remove(ch) || closed) {
                return;
            }
            Pending next = nextWaiter();
            if (next != null) {
                connect(next.waiter());
            }
        }

        /** The first waiter whose call still wants a connection; those gone before it leave the queue. */
        private @Nullable Pending nextWaiter() {
            Pending p;
            do {
                p = pending.pollFirst();
            } while (p != null && p.waiter().gone());
            return p;
        }

        private void armWaitTimer() {
            long delay = pending.getFirst().deadlineNanos() - System.nanoTime();
            waitTimer = loop.schedule(expireWaiters, Math.max(0, delay), TimeUnit.NANOSECONDS);
        }

        private void expireWaiters() {
            waitTimer = null;
            long now = System.nanoTime();
            Pending p;
            while ((p = pending.peekFirst()) != null && p.deadlineNanos() - now <= 0) {
                pending.pollFirst();
                p.waiter().onFailed(new TimeoutException("no upstream connection free within timeouts.connect "
                        + timeouts.connect().toMillis() + " ms (all " + limits.maxConnectionsPerLoop()
                        + " of limits.max_connections_per_loop on this event loop are in use)"));
            }
            if (!pending.isEmpty()) {
                armWaitTimer();
            }
        }

        private void sweepIdle() {
            idleTimer = null;
            for (int i = idleLowWater; i > 0; i--) {
                idle.pollLast().close();
            }
            idleLowWater = idle.size();
            if (!idle.isEmpty()) {
                idleTimer = loop.schedule(sweepIdle, timeouts.idle().toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        void closeIdle() {
            Channel ch;
            while ((ch = idle.pollFirst()) != null) {
                ch.close();
            }
        }

        void closeAll() {
            cancel(waitTimer);
            cancel(idleTimer);
            waitTimer = null;
            idleTimer = null;
            idle.clear();
            Pending p;
            while ((p = pending.pollFirst()) != null) {
                p.waiter().onFailed(poolClosed());
            }
            for (Channel ch : open.toArray(new Channel[0])) {
                ch.close();
            }
        }
    }

    private static void cancel(@Nullable ScheduledFuture<?> timer) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private static IllegalStateException poolClosed() {
        return new IllegalStateException("the upstream pool is closed (tollgate is shutting down)");
    }
}

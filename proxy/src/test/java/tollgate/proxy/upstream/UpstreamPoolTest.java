package tollgate.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.config.Limits;
import tollgate.config.Timeouts;

/** The per-loop pool against a real local server that counts and can close the connections it accepted. */
class UpstreamPoolTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final AtomicInteger accepted = new AtomicInteger();
    private final ChannelGroup serverSide = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private Channel server;
    private UpstreamPool pool;

    @BeforeEach
    void startServer() throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        accepted.incrementAndGet();
                        serverSide.add(ctx.channel());
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    @AfterEach
    void stop() {
        if (pool != null) {
            pool.close();
        }
        server.close().syncUninterruptibly();
        serverSide.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private UpstreamPool pool(int port, int maxConnections, int maxPending, Duration connect, Duration idle) throws Exception {
        UpstreamTarget target = UpstreamTarget.of(URI.create("http://127.0.0.1:" + port), null);
        Limits limits = new Limits(Limits.DEFAULT_MAX_REQUEST_BYTES, 64 * 1024, maxConnections, maxPending,
                Limits.DEFAULT.maxHeldBytes());
        pool = new UpstreamPool(target, NioSocketChannel.class, limits, new Timeouts(connect, Duration.ofSeconds(60), idle));
        return pool;
    }

    private UpstreamPool pool(int maxConnections, int maxPending) throws Exception {
        return pool(((InetSocketAddress) server.localAddress()).getPort(), maxConnections, maxPending,
                Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    /** Records what the pool hands over, in order. */
    private static final class Recorder implements UpstreamPool.Waiter {
        final BlockingQueue<Object> results = new LinkedBlockingQueue<>();
        volatile boolean gone;

        @Override
        public boolean gone() {
            return gone;
        }

        @Override
        public void onAcquired(Channel ch) {
            results.add(ch);
        }

        @Override
        public void onFailed(Throwable cause) {
            results.add(cause);
        }

        Channel channel() throws InterruptedException {
            Object r = results.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("an acquired channel").isInstanceOf(Channel.class);
            return (Channel) r;
        }

        Throwable failure() throws InterruptedException {
            Object r = results.poll(5, TimeUnit.SECONDS);
            assertThat(r).as("a failure").isInstanceOf(Throwable.class);
            return (Throwable) r;
        }

        boolean nothingYet() {
            return results.isEmpty();
        }
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return loop.submit(task).get(5, TimeUnit.SECONDS);
    }

    private Recorder acquire() throws Exception {
        Recorder r = new Recorder();
        onLoop(() -> {
            pool.acquire(loop, r);
            return null;
        });
        return r;
    }

    private void release(Channel ch) throws Exception {
        onLoop(() -> {
            pool.release(ch);
            return null;
        });
    }

    /** {@code fresh} is a new live connection in {@code old}'s place, and the only one open. */
    private void assertReplaces(Channel fresh, Channel old) throws Exception {
        assertThat(fresh).isNotSameAs(old);
        assertThat(fresh.isActive()).isTrue();
        assertThat(onLoop(() -> pool.openConnections(loop))).isEqualTo(1);
    }

    @Test
    void hundredSequentialCallsUseOneConnectionHandedOverSynchronously() throws Exception {
        pool(4, 4);
        Channel first = acquire().channel();
        release(first);
        for (int i = 0; i < 100; i++) {
            Recorder r = new Recorder();
            Object handedOverBeforeReturn = onLoop(() -> {
                pool.acquire(loop, r);
                Object ch = r.results.poll();
                pool.release((Channel) ch);
                return ch;
            });
            assertThat(handedOverBeforeReturn).isSameAs(first);
        }
        assertThat(accepted.get()).isEqualTo(1);
        assertThat(onLoop(() -> pool.openConnections(loop))).isEqualTo(1);
    }

    @Test
    void aDrainedPoolLetsCallsInProgressFinishAndKeepsNoConnection() throws Exception {
        pool(4, 4);
        Channel busy = acquire().channel();
        Channel idle = acquire().channel();
        release(idle);

        pool.drain(); // from a reload's thread, as TollgateApp.reload calls it
        assertThat(idle.closeFuture().await(5, TimeUnit.SECONDS)).as("the idle connection is closed").isTrue();
        assertThat(busy.isActive()).as("the call in progress keeps its connection").isTrue();
        release(busy);
        assertThat(busy.closeFuture().await(5, TimeUnit.SECONDS)).as("closed once its call is done").isTrue();
        // a call that chose the pool before the reload still gets a connection, not kept after it
        Channel late = acquire().channel();
        release(late);
        assertThat(late.closeFuture().await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(onLoop(() -> pool.openConnections(loop))).isZero();
    }

    @Test
    void theMostRecentlyReleasedConnectionIsReusedFirst() throws Exception {
        pool(4, 4);
        Channel a = acquire().channel();
        Channel b = acquire().channel();
        release(a);
        release(b);
        assertThat(acquire().channel()).isSameAs(b);
        assertThat(acquire().channel()).isSameAs(a);
    }

    @Test
    void atTheCapWaitersAreServedInOrderAsConnectionsAreReleased() throws Exception {
        pool(2, 8);
        Channel a = acquire().channel();
        Channel b = acquire().channel();
        Recorder w1 = acquire();
        Recorder w2 = acquire();
        Recorder w3 = acquire();
        assertThat(w1.nothingYet() && w2.nothingYet() && w3.nothingYet()).isTrue();

        release(a);
        assertThat(w1.channel()).isSameAs(a);
        assertThat(w2.nothingYet() && w3.nothingYet()).isTrue();
        release(b);
        assertThat(w2.channel()).isSameAs(b);
        release(a);
        assertThat(w3.channel()).isSameAs(a);
        assertThat(accepted.get()).isEqualTo(2);
    }

    @Test
    void aWaiterPastMaxPendingAcquiresFailsAtOnce() throws Exception {
        pool(1, 1);
        Channel a = acquire().channel();
        Recorder waiting = acquire();
        Recorder refused = new Recorder();
        onLoop(() -> {
            pool.acquire(loop, refused);
            return null;
        });
        assertThat(refused.results.poll()).isInstanceOf(IllegalStateException.class)
                .extracting(t -> ((Throwable) t).getMessage()).asString().contains("limits.max_pending_acquires: 1");

        release(a);
        assertThat(waiting.channel()).isSameAs(a);
    }

    @Test
    void aWaiterWhoseClientLeftGivesUpItsPlaceInTheQueue() throws Exception {
        pool(1, 1);
        Channel a = acquire().channel();
        Recorder left = acquire();
        left.gone = true; // its client closed while it waited

        Recorder next = acquire();

        assertThat(next.nothingYet()).as("queued in the place the gone waiter held, not refused").isTrue();
        release(a);
        assertThat(next.channel()).isSameAs(a);
        assertThat(left.nothingYet()).isTrue();
    }

    @Test
    void aWaiterFailsAfterTheConnectTimeoutAndALaterReleaseIsPooled() throws Exception {
        pool(((InetSocketAddress) server.localAddress()).getPort(), 1, 4, Duration.ofMillis(200), Duration.ofSeconds(60));
        Channel a = acquire().channel();
        long start = System.nanoTime();
        Recorder w = acquire();
        assertThat(w.failure()).isInstanceOf(TimeoutException.class).hasMessageContaining("timeouts.connect 200 ms");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());

        release(a);
        assertThat(onLoop(() -> pool.idleConnections(loop))).isEqualTo(1);
        assertThat(w.nothingYet()).isTrue();
    }

    @Test
    void aPooledConnectionTheUpstreamClosedIsNotHandedOut() throws Exception {
        pool(1, 4);
        Channel a = acquire().channel();
        release(a);
        serverSide.close().sync();
        a.closeFuture().sync();

        assertReplaces(acquire().channel(), a);
    }

    @Test
    void aPooledConnectionThatIsNoLongerActiveIsDiscardedOnAcquire() throws Exception {
        pool(1, 4);
        Channel a = acquire().channel();
        Recorder next = new Recorder();
        onLoop(() -> {
            pool.release(a);
            // inactive, but its close not yet processed: as if the socket died just before this acquire
            a.unsafe().closeForcibly();
            pool.acquire(loop, next);
            return null;
        });
        assertReplaces(next.channel(), a);
    }

    @Test
    void aConnectFailureReachesTheWaiterAndFreesItsPlace() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        pool(closedPort, 1, 4, Duration.ofSeconds(5), Duration.ofSeconds(60));
        Recorder first = acquire();
        Recorder queued = acquire();
        assertThat(first.failure()).isInstanceOf(ConnectException.class);
        // the freed place went to the waiter behind it, which tried (and failed) to connect too
        assertThat(queued.failure()).isInstanceOf(ConnectException.class);
        assertThat(onLoop(() -> pool.openConnections(loop))).isZero();
        assertThat(acquire().failure()).isInstanceOf(ConnectException.class);
    }

    @Test
    void aConnectionReleasedClosedIsDroppedAndItsPlaceGoesToTheNextWaiter() throws Exception {
        pool(1, 4);
        Channel a = acquire().channel();
        Recorder w = acquire();
        onLoop(() -> {
            // what Exchange does with a connection whose response was not keep-alive
            a.close();
            pool.release(a);
            return null;
        });
        assertReplaces(w.channel(), a);
    }

    @Test
    void aConnectionIdleLongerThanTheIdleTimeoutIsClosedWhileABusyOneIsKept() throws Exception {
        pool(((InetSocketAddress) server.localAddress()).getPort(), 4, 4, Duration.ofSeconds(5), Duration.ofMillis(500));
        Channel old = acquire().channel();
        Channel busy = acquire().channel();
        release(old);
        release(busy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (old.isOpen() && System.nanoTime() < deadline) {
            assertThat(acquire().channel()).isSameAs(busy);
            release(busy);
            old.closeFuture().await(20);
        }
        assertThat(old.isOpen()).as("the unused connection was closed").isFalse();
        assertThat(busy.isActive()).isTrue();
        assertThat(onLoop(() -> pool.openConnections(loop))).isEqualTo(1);

        busy.closeFuture().await(5, TimeUnit.SECONDS);
        assertThat(busy.isOpen()).as("once unused, it is closed too").isFalse();
        assertThat(onLoop(() -> pool.openConnections(loop))).isZero();
    }

    @Test
    void closeClosesIdleAndInUseConnectionsAndLaterAcquiresFail() throws Exception {
        pool(2, 4);
        Channel inUse = acquire().channel();
        Channel idle = acquire().channel();
        release(idle);

        pool.close();
        inUse.closeFuture().sync();
        idle.closeFuture().sync();
        assertThat(acquire().failure()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(onLoop(() -> pool.openConnections(loop))).isZero();
    }

    @Test
    void closeFailsTheWaitingCalls() throws Exception {
        pool(1, 4);
        Channel a = acquire().channel();
        Recorder waiting = acquire();

        pool.close();
        assertThat(waiting.failure()).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        a.closeFuture().sync();
        release(a);
        assertThat(onLoop(() -> pool.idleConnections(loop))).isZero();
    }
}

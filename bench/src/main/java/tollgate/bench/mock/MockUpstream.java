package tollgate.bench.mock;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.bench.Flags;
import tollgate.proxy.server.Transport;

/**
 * A fast mock of the OpenAI chat completions API on a loopback port.
 *
 * <pre>
 * java -cp tollgate-bench.jar tollgate.bench.mock.MockUpstream --listen 127.0.0.1:18081 [--threads 2]
 *      [--body-bytes N] [--chunk-bytes N] [--chunks N] [--chunk-delay-ms N] [--ttfb-ms N]
 *      [--prompt-tokens N] [--completion-tokens N]
 * </pre>
 */
public final class MockUpstream implements AutoCloseable {
    private static final int MAX_REQUEST_BYTES = 64 << 20;

    private final EventLoopGroup group;
    private final Channel server;

    private MockUpstream(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
    }

    public static MockUpstream start(InetSocketAddress listen, int threads, MockOptions defaults) throws InterruptedException {
        Transport transport = Transport.of(tollgate.config.ServerConfig.Transport.AUTO);
        EventLoopGroup group = transport.newGroup(threads);
        ConcurrentHashMap<MockOptions, ByteBuf> bodies = new ConcurrentHashMap<>();
        AtomicLong answers = new AtomicLong();
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                    new MockHandler(defaults, bodies, answers));
                        }
                    })
                    .bind(listen).sync().channel();
            return new MockUpstream(group, ch);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully();
            throw e;
        }
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    public static void main(String[] args) throws Exception {
        Flags f = Flags.parse(args);
        String listen = f.string("listen", "127.0.0.1:18081");
        int threads = f.intValue("threads", 2, 1, 64);
        MockOptions defaults = MockOptions.fromFlags(f);
        f.requireAllKnown();
        int colon = listen.lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
        MockUpstream mock = start(addr, threads, defaults);
        System.out.println("mock upstream listening on " + addr.getHostString() + ":" + mock.port());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            mock.close();
            stopped.countDown();
        }, "mock-shutdown"));
        stopped.await();
    }
}

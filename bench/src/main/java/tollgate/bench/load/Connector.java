package tollgate.bench.load;

import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import tollgate.proxy.server.Transport;

/** Opens the driver's connections to one target: up front in batches, and as replacements for broken ones (bounded). */
final class Connector {
    /** Connections opened at once: a burst of 1,000 SYNs would overflow a 511-deep accept queue (nginx's default). */
    private static final int BATCH = 100;

    private final EventLoopGroup group;
    private final Transport transport;
    private final InetSocketAddress target;
    private final RequestTemplate request;
    private final HttpConnection.Listener listener;
    private final boolean scanStamps;
    private final AtomicInteger reconnectsLeft;
    private final AtomicInteger reconnects = new AtomicInteger();

    Connector(EventLoopGroup group, Transport transport, InetSocketAddress target, RequestTemplate request,
              HttpConnection.Listener listener, boolean scanStamps, int maxReconnects) {
        this.group = group;
        this.transport = transport;
        this.target = target;
        this.request = request;
        this.listener = listener;
        this.scanStamps = scanStamps;
        this.reconnectsLeft = new AtomicInteger(maxReconnects);
    }

    /** Opens {@code n} connections; fails when any cannot be opened. */
    List<HttpConnection> connectAll(int n) throws InterruptedException {
        ConcurrentLinkedQueue<HttpConnection> opened = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < n; i += BATCH) {
            List<ChannelFuture> batch = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + BATCH); j++) {
                batch.add(HttpConnection.connect(group, transport, target, request, listener, scanStamps, opened::add));
            }
            for (ChannelFuture f : batch) {
                if (!f.await(15, TimeUnit.SECONDS) || !f.isSuccess()) {
                    opened.forEach(HttpConnection::close);
                    throw new IllegalStateException("connect to " + target + " failed", f.cause());
                }
            }
        }
        // the ready callback runs on completion; give the last ones a moment to be added
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (opened.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        return new ArrayList<>(opened);
    }

    /** Opens one connection in place of a broken one, unless the reconnect budget is spent; {@code ready} gets it. */
    void replace(Consumer<HttpConnection> ready) {
        if (reconnectsLeft.getAndDecrement() <= 0) {
            return;
        }
        reconnects.incrementAndGet();
        HttpConnection.connect(group, transport, target, request, listener, scanStamps, ready);
    }

    int reconnects() {
        return reconnects.get();
    }
}

package tollgate.bench.load;

import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.proxy.server.Transport;

/**
 * Fixed concurrency, as fast as the target answers: each connection sends its next request when the previous
 * answer ends. Gives the maximum throughput; its latencies are service times (closed loop: not corrected for
 * coordinated omission).
 */
final class ClosedLoopRun implements HttpConnection.Listener {
    private final long warmupNanos;
    private final long durationNanos;
    private final Connector connector;
    private final int connections;
    private final LatencyRecorder latency = new LatencyRecorder();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong non2xx = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long measureTo = Long.MAX_VALUE;
    private volatile long stopAt = Long.MAX_VALUE;

    ClosedLoopRun(EventLoopGroup group, Transport transport, InetSocketAddress target, RequestTemplate request,
                  int connections, long warmupNanos, long durationNanos) {
        this.warmupNanos = warmupNanos;
        this.durationNanos = durationNanos;
        this.connections = connections;
        this.connector = new Connector(group, transport, target, request, this, false, connections * 10);
    }

    Map<String, Object> run() throws InterruptedException {
        List<HttpConnection> conns = connector.connectAll(connections);
        long start = System.nanoTime();
        measureFrom = start + warmupNanos;
        measureTo = measureFrom + durationNanos;
        stopAt = measureTo;
        for (HttpConnection c : conns) {
            inFlight.incrementAndGet();
            c.send(System.nanoTime());
        }
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(measureTo - System.nanoTime()) + 1);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < waitUntil) {
            Thread.sleep(5);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", "closed");
        r.put("connections", connections);
        long done = completed.get();
        double seconds = durationNanos / 1e9;
        r.put("requests", done);
        r.put("rps", Math.round(done / seconds * 10) / 10.0);
        r.put("mib_per_s", Math.round(bytes.get() / seconds / (1 << 20) * 10) / 10.0);
        r.put("non_2xx", non2xx.get());
        r.put("failures", failures.get());
        r.put("reconnects", connector.reconnects());
        r.put("latency_us", LatencyRecorder.summary(latency.snapshot()));
        conns.forEach(HttpConnection::close);
        return r;
    }

    @Override
    public void onComplete(HttpConnection c, int status, long responseBytes, long nanos) {
        // only answers that both started and ended inside the window count, so the rate is not inflated by warm-up
        if (c.sentNanos >= measureFrom && nanos <= measureTo) {
            latency.record(nanos - c.sentNanos);
            completed.incrementAndGet();
            bytes.addAndGet(responseBytes);
            if (status / 100 != 2) {
                non2xx.incrementAndGet();
            }
        }
        next(c, nanos);
    }

    @Override
    public void onFailure(HttpConnection c, Throwable cause) {
        if (c.sentNanos >= measureFrom) {
            failures.incrementAndGet();
        }
        c.close();
        inFlight.decrementAndGet();
        if (System.nanoTime() < stopAt) {
            connector.replace(fresh -> {
                inFlight.incrementAndGet();
                fresh.send(System.nanoTime());
            });
        }
    }

    private void next(HttpConnection c, long now) {
        if (now < stopAt) {
            c.send(now);
        } else {
            inFlight.decrementAndGet();
        }
    }
}

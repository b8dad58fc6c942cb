package tollgate.bench.load;

import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import tollgate.proxy.server.Transport;

/**
 * Constant arrival rate, whatever the target's speed: request {@code i} is due at {@code start + i / rate}, and its
 * latency runs from that due time, not from when a connection became free to send it (coordinated omission
 * correction as in wrk2 and HdrHistogram's docs). Requests wait FIFO for a free connection.
 */
final class OpenLoopRun implements HttpConnection.Listener {
    /** Due requests waiting for a connection; past this the target is hopelessly behind and requests are dropped. */
    private static final int MAX_BACKLOG = 100_000;

    private final double rate;
    private final long warmupNanos;
    private final long durationNanos;
    private final Connector connector;
    private final int connections;
    private final ConcurrentLinkedQueue<HttpConnection> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> backlog = new ConcurrentLinkedQueue<>();
    private final AtomicInteger backlogSize = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final LatencyRecorder service = new LatencyRecorder();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong non2xx = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile long measureFrom = Long.MAX_VALUE;

    OpenLoopRun(EventLoopGroup group, Transport transport, InetSocketAddress target, RequestTemplate request,
                int connections, double rate, long warmupNanos, long durationNanos) {
        this.rate = rate;
        this.warmupNanos = warmupNanos;
        this.durationNanos = durationNanos;
        this.connections = connections;
        this.connector = new Connector(group, transport, target, request, this, false, connections * 10);
    }

    Map<String, Object> run() throws InterruptedException {
        List<HttpConnection> conns = connector.connectAll(connections);
        idle.addAll(conns);
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
        long end = start + warmupNanos + durationNanos;
        measureFrom = start + warmupNanos;
        long due = start;
        for (long i = 0; due < end; due = start + (++i) * interval) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (backlogSize.incrementAndGet() > MAX_BACKLOG) {
                backlogSize.decrementAndGet();
                if (due >= measureFrom) {
                    dropped.incrementAndGet();
                }
                continue;
            }
            backlog.add(due);
            drain();
        }
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((inFlight.get() > 0 || backlogSize.get() > 0) && System.nanoTime() < waitUntil) {
            Thread.sleep(5);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", "rate");
        r.put("target_rps", rate);
        r.put("connections", connections);
        long done = completed.get();
        r.put("requests", done);
        r.put("rps", Math.round(done / (durationNanos / 1e9) * 10) / 10.0);
        r.put("non_2xx", non2xx.get());
        r.put("failures", failures.get());
        r.put("dropped", dropped.get() + backlogSize.get() + inFlight.get());
        r.put("reconnects", connector.reconnects());
        r.put("latency_us", LatencyRecorder.summary(latency.snapshot()));
        r.put("service_time_us", LatencyRecorder.summary(service.snapshot()));
        conns.forEach(HttpConnection::close);
        idle.forEach(HttpConnection::close);
        return r;
    }

    /** Pairs waiting requests with free connections, oldest request first; any thread. */
    private void drain() {
        while (!backlog.isEmpty()) {
            HttpConnection c = idle.poll();
            if (c == null) {
                return;
            }
            Long due = backlog.poll();
            if (due == null) {
                idle.add(c);
                return;
            }
            backlogSize.decrementAndGet();
            inFlight.incrementAndGet();
            c.send(due);
        }
    }

    @Override
    public void onComplete(HttpConnection c, int status, long bytes, long nanos) {
        if (c.intendedNanos >= measureFrom) {
            latency.record(nanos - c.intendedNanos);
            service.record(nanos - c.sentNanos);
            completed.incrementAndGet();
            if (status / 100 != 2) {
                non2xx.incrementAndGet();
            }
        }
        inFlight.decrementAndGet();
        idle.add(c);
        drain();
    }

    @Override
    public void onFailure(HttpConnection c, Throwable cause) {
        inFlight.decrementAndGet();
        if (c.intendedNanos >= measureFrom) {
            failures.incrementAndGet();
        }
        c.close();
        connector.replace(fresh -> {
            idle.add(fresh);
            drain();
        });
    }
}

package tollgate.bench.load;

import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import tollgate.proxy.server.Transport;

/**
 * Holds {@code streams} SSE streams open at once, each connection starting its next stream when one ends, and
 * measures every chunk's delivery latency: arrival minus the send time the mock stamped into it.
 *
 * <p>Stream starts are spread over one chunk interval, so chunks arrive evenly instead of in a burst of
 * {@code streams} every interval (real streams are not in phase either).
 */
final class StreamRun implements HttpConnection.Listener {
    private final int streams;
    private final long spreadNanos;
    private final long warmupNanos;
    private final long durationNanos;
    private final long maxStreamNanos;
    private final Connector connector;
    private final LatencyRecorder chunkLatency = new LatencyRecorder();
    private final LatencyRecorder ttfb = new LatencyRecorder();
    private final AtomicLong chunks = new AtomicLong();
    private final AtomicLong completedStreams = new AtomicLong();
    private final AtomicLong non2xx = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    /** Over the whole run (warm-up, window and the drain after it), for checks such as "every stream metered". */
    private final AtomicLong openedTotal = new AtomicLong();
    private final AtomicLong completedTotal = new AtomicLong();
    private final AtomicLong non2xxTotal = new AtomicLong();
    private final AtomicLong failuresTotal = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private volatile long measureFrom = Long.MAX_VALUE;
    private volatile long stopAt = Long.MAX_VALUE;

    StreamRun(EventLoopGroup group, Transport transport, InetSocketAddress target, RequestTemplate request, int streams,
              long chunkIntervalNanos, long maxStreamNanos, long warmupNanos, long durationNanos) {
        this.streams = streams;
        this.spreadNanos = Math.max(chunkIntervalNanos, TimeUnit.MILLISECONDS.toNanos(1));
        this.maxStreamNanos = maxStreamNanos;
        this.warmupNanos = warmupNanos;
        this.durationNanos = durationNanos;
        this.connector = new Connector(group, transport, target, request, this, true, streams * 2);
    }

    long measureFrom() {
        return measureFrom;
    }

    Map<String, Object> run() throws InterruptedException {
        List<HttpConnection> conns = connector.connectAll(streams);
        long start = System.nanoTime();
        measureFrom = start + spreadNanos + warmupNanos;
        stopAt = measureFrom + durationNanos;
        for (int i = 0; i < conns.size(); i++) {
            long wait = start + i * spreadNanos / conns.size() - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            open.incrementAndGet();
            openedTotal.incrementAndGet();
            conns.get(i).send(System.nanoTime());
        }
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(stopAt - System.nanoTime())) + 1);
        long waitUntil = System.nanoTime() + maxStreamNanos + TimeUnit.SECONDS.toNanos(30);
        while (open.get() > 0 && System.nanoTime() < waitUntil) {
            Thread.sleep(10);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("mode", "stream");
        r.put("streams", streams);
        r.put("completed_streams", completedStreams.get());
        r.put("chunks", chunks.get());
        r.put("chunks_per_s", Math.round(chunks.get() / (durationNanos / 1e9)));
        r.put("non_2xx", non2xx.get());
        r.put("failures", failures.get());
        r.put("unfinished", open.get());
        r.put("reconnects", connector.reconnects());
        r.put("opened_streams_total", openedTotal.get());
        r.put("completed_streams_total", completedTotal.get());
        r.put("non_2xx_total", non2xxTotal.get());
        r.put("failures_total", failuresTotal.get());
        r.put("chunk_latency_us", LatencyRecorder.summary(chunkLatency.snapshot()));
        r.put("ttfb_us", LatencyRecorder.summary(ttfb.snapshot()));
        conns.forEach(HttpConnection::close);
        return r;
    }

    @Override
    public void onHead(HttpConnection c, int status, long nanos) {
        if (c.sentNanos >= measureFrom && nanos < stopAt) {
            ttfb.record(nanos - c.sentNanos);
        }
    }

    @Override
    public void onStamp(HttpConnection c, long sentNanos, long arrivedNanos) {
        if (arrivedNanos >= measureFrom && arrivedNanos < stopAt) {
            chunkLatency.record(arrivedNanos - sentNanos);
            chunks.incrementAndGet();
        }
    }

    @Override
    public void onComplete(HttpConnection c, int status, long bytes, long nanos) {
        completedTotal.incrementAndGet();
        if (status / 100 != 2) {
            non2xxTotal.incrementAndGet();
        }
        if (nanos >= measureFrom && nanos < stopAt) {
            completedStreams.incrementAndGet();
            if (status / 100 != 2) {
                non2xx.incrementAndGet();
            }
        }
        if (nanos < stopAt) {
            openedTotal.incrementAndGet();
            c.send(nanos);
        } else {
            open.decrementAndGet();
        }
    }

    @Override
    public void onFailure(HttpConnection c, Throwable cause) {
        failuresTotal.incrementAndGet();
        if (System.nanoTime() >= measureFrom) {
            failures.incrementAndGet();
        }
        c.close();
        open.decrementAndGet();
        if (System.nanoTime() < stopAt) {
            connector.replace(fresh -> {
                open.incrementAndGet();
                openedTotal.incrementAndGet();
                fresh.send(System.nanoTime());
            });
        }
    }
}

package tollgate.metering.otel;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded batch of ended spans and the one thread that exports it: a span that finds the queue full is dropped
 * and counted, never waited for; an export that fails is counted and its batch given up (a dead collector costs a
 * counter, not memory or threads).
 */
final class SpanQueue implements SpanProcessor {
    static final int MAX_BATCH = 512;

    private final ArrayBlockingQueue<SpanData> queue;
    private final SpanExporter exporter;
    private final Duration delay;
    private final LongAdder dropped = new LongAdder();
    private final Thread thread;
    private volatile boolean stopped;

    SpanQueue(SpanExporter exporter, int capacity, Duration delay) {
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.exporter = exporter;
        this.delay = delay;
        this.thread = new Thread(this::run, "tollgate-otel-spans");
        thread.setDaemon(true);
        thread.start();
    }

    long dropped() {
        return dropped.sum();
    }

    @Override
    public void onStart(Context parent, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (span.getSpanContext().isSampled() && !queue.offer(span.toSpanData())) {
            dropped.increment();
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    private void run() {
        List<SpanData> batch = new ArrayList<>(MAX_BATCH);
        while (!stopped || !queue.isEmpty()) {
            try {
                long deadline = System.nanoTime() + delay.toNanos();
                while (batch.size() < MAX_BATCH) {
                    long left = deadline - System.nanoTime();
                    SpanData s = left <= 0 ? queue.poll() : queue.poll(left, TimeUnit.NANOSECONDS);
                    if (s == null) {
                        break;
                    }
                    batch.add(s);
                    queue.drainTo(batch, MAX_BATCH - batch.size());
                }
            } catch (InterruptedException e) {
                stopped = true;
                queue.drainTo(batch, MAX_BATCH - batch.size());
            }
            if (!batch.isEmpty()) {
                // the exporter counts a failure (FailureCounting); the batch is not retried
                exporter.export(List.copyOf(batch)).join(30, TimeUnit.SECONDS);
                batch.clear();
            }
        }
    }

    @Override
    public CompletableResultCode shutdown() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exporter.shutdown();
    }

    @Override
    public CompletableResultCode forceFlush() {
        return CompletableResultCode.ofSuccess();
    }
}

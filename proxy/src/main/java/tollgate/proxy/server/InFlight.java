package tollgate.proxy.server;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Counts calls in progress, so a graceful stop can wait for them (SPEC 8: SIGTERM drains in-flight calls), and
 * what the relay reports: backpressure pauses, held-back overflows and upstream connections that failed.
 */
public final class InFlight implements tollgate.proxy.relay.RelayContext.Events {
    private final AtomicInteger count = new AtomicInteger();
    private final java.util.concurrent.atomic.LongAdder pauses = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean draining;

    private volatile Runnable pauseListener = () -> { };
    private volatile Runnable overflowListener = () -> { };
    private volatile java.util.function.Consumer<@Nullable String> connectFailedListener = p -> { };

    @Override
    public void upstreamConnectFailed(@Nullable String provider) {
        connectFailedListener.accept(provider);
    }

    /** Tell {@code listener} of each upstream connection that could not be opened, by provider (the metrics counter). */
    public void onUpstreamConnectFailed(java.util.function.Consumer<@Nullable String> listener) {
        this.connectFailedListener = listener;
    }

    @Override
    public void heldBackOverflow() {
        overflowListener.run();
    }

    /** Tell {@code listener} of each call that held back too much and now passes through (the metrics counter). */
    public void onHeldBackOverflow(Runnable listener) {
        this.overflowListener = listener;
    }

    @Override
    public void pausedUpstream() {
        pauses.increment();
        pauseListener.run();
    }

    /** Also tell {@code listener} of each pause (the metrics counter). */
    public void onPause(Runnable listener) {
        this.pauseListener = listener;
    }

    public long backpressurePauses() {
        return pauses.sum();
    }

    void begin() {
        count.incrementAndGet();
    }

    void end() {
        count.decrementAndGet();
    }

    public int count() {
        return count.get();
    }

    public boolean draining() {
        return draining;
    }

    public void startDraining() {
        draining = true;
    }
}

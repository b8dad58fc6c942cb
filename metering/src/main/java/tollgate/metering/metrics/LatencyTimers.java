package tollgate.metering.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The three call-timing histograms of one endpoint and stream flag (SPEC 9). */
final class LatencyTimers {
    // Whole calls and first bytes of LLM answers take from tens of milliseconds to minutes (a long reasoning stream).
    static final Duration[] CALL_BUCKETS = {
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30),
            Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(300), Duration.ofSeconds(600)};
    // What the proxy adds should stay well under a millisecond; the upper buckets catch pauses (GC, a blocked loop).
    static final Duration[] OVERHEAD_BUCKETS = {
            Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000),
            Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofSeconds(1)};

    private final Timer duration;
    private final Timer ttfb;
    private final Timer overhead;

    LatencyTimers(PrometheusMeterRegistry registry, Tags tags) {
        duration = Timer.builder("tollgate.request.duration").description("Whole call, first request byte to last answer byte")
                .serviceLevelObjectives(CALL_BUCKETS).tags(tags).register(registry);
        ttfb = Timer.builder("tollgate.upstream.ttfb").description("Request sent to the upstream's first answer byte")
                .serviceLevelObjectives(CALL_BUCKETS).tags(tags).register(registry);
        overhead = Timer.builder("tollgate.overhead").description("Time tollgate adds to a call: total minus upstream wait")
                .serviceLevelObjectives(OVERHEAD_BUCKETS).tags(tags).register(registry);
    }

    void record(long totalNanos, long ttfbNanos, long overheadNanos) {
        if (totalNanos >= 0) {
            duration.record(totalNanos, TimeUnit.NANOSECONDS);
        }
        if (ttfbNanos >= 0) {
            ttfb.record(ttfbNanos, TimeUnit.NANOSECONDS);
        }
        if (overheadNanos >= 0) {
            overhead.record(overheadNanos, TimeUnit.NANOSECONDS);
        }
    }
}

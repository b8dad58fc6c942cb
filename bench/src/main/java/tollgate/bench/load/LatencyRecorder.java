package tollgate.bench.load;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** A thread-safe latency histogram in nanoseconds (3 significant digits), reported in microseconds. */
final class LatencyRecorder {
    private static final long HIGHEST_NANOS = TimeUnit.MINUTES.toNanos(5);

    private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
    private final Histogram total = new Histogram(HIGHEST_NANOS, 3);

    /** Any thread; negative values (clock skew of a few ns) count as 0, values past 5 minutes as 5 minutes. */
    void record(long nanos) {
        recorder.recordValue(Math.max(0, Math.min(HIGHEST_NANOS, nanos)));
    }

    /** Forgets what was recorded so far (the warm-up). */
    synchronized void reset() {
        recorder.getIntervalHistogram();
        total.reset();
    }

    synchronized Histogram snapshot() {
        total.add(recorder.getIntervalHistogram());
        return total.copy();
    }

    /** p50, p90, p99, p99.9, max and mean in microseconds, and the count. */
    static Map<String, Object> summary(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("p50", micros(h.getValueAtPercentile(50)));
        m.put("p90", micros(h.getValueAtPercentile(90)));
        m.put("p99", micros(h.getValueAtPercentile(99)));
        m.put("p999", micros(h.getValueAtPercentile(99.9)));
        m.put("max", micros(h.getMaxValue()));
        m.put("mean", micros(h.getTotalCount() == 0 ? 0 : (long) h.getMean()));
        return m;
    }

    private static double micros(long nanos) {
        return Math.round(nanos / 100.0) / 10.0;
    }
}

package tollgate.metering.report;

import java.util.Arrays;

/**
 * A histogram of call durations in fixed buckets whose upper bounds are round numbers of milliseconds
 * (1, 1.5, 2, 3, 4, 5, 7 per decade, 1 ms to 7,000 s), so percentiles of any sum of cells are read from it and
 * a percentile is reported as its bucket's upper bound: {@code p95 ≤ 3,000 ms}; not thread-safe.
 *
 * <p>Why buckets and not the durations: a cell sums any number of calls in a bounded size (at most 49 counts;
 * about 100 bytes for calls under 10 s), and cells add up exactly; the price is a bound within 50 % of the true
 * value instead of the value.
 */
final class Durations {
    private static final int[] STEPS = {10, 15, 20, 30, 40, 50, 70};
    /** Upper bounds in ms; a duration above the last is in an open last bucket, reported as the last bound. */
    static final long[] BOUNDS = bounds();

    /** Per bucket, up to the slowest call's: a cell of quick calls keeps a short array. */
    private int[] counts = new int[0];
    private long calls;

    private static long[] bounds() {
        long[] b = new long[STEPS.length * 7];
        long decade = 1;
        for (int d = 0; d < 7; d++, decade *= 10) {
            for (int s = 0; s < STEPS.length; s++) {
                b[d * STEPS.length + s] = STEPS[s] * decade / 10;
            }
        }
        // the first decade's 1.5 ms rounds down to 1 ms: distinct keeps the bounds strictly increasing
        return Arrays.stream(b).distinct().toArray();
    }

    void add(long durationMs) {
        int i = Arrays.binarySearch(BOUNDS, durationMs);
        int bucket = i >= 0 ? i : -i - 1;
        grow(bucket + 1);
        if (counts[bucket] < Integer.MAX_VALUE) {
            counts[bucket]++;
        }
        calls++;
    }

    void add(Durations other) {
        grow(other.counts.length);
        for (int i = 0; i < other.counts.length; i++) {
            // int keeps a cell small; a report of over 2^31 calls in one bucket saturates rather than wraps
            counts[i] = (int) Math.min(Integer.MAX_VALUE, (long) counts[i] + other.counts[i]);
        }
        calls += other.calls;
    }

    /** The calls per bucket, up to the slowest call's bucket. */
    long[] counts() {
        return java.util.Arrays.stream(counts).asLongStream().toArray();
    }

    long calls() {
        return calls;
    }

    static Durations of(long[] counts, long calls) {
        Durations d = new Durations();
        d.counts = new int[Math.min(counts.length, BOUNDS.length + 1)];
        for (int i = 0; i < d.counts.length; i++) {
            d.counts[i] = (int) Math.min(Integer.MAX_VALUE, counts[i]);
        }
        d.calls = calls;
        return d;
    }

    private void grow(int length) {
        if (counts.length < length) {
            counts = Arrays.copyOf(counts, length);
        }
    }

    /** The upper bound of the bucket holding the call at {@code fraction} (0..1] of the calls, by rank; 0 with none. */
    long percentileMs(double fraction) {
        if (calls == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * calls));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return BOUNDS[Math.min(i, BOUNDS.length - 1)];
            }
        }
        return BOUNDS[BOUNDS.length - 1];
    }
}

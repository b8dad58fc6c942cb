package tollgate.metering.call;

/**
 * How one call ended, for the record and the latency metrics. Times are {@link System#nanoTime()} readings;
 * 0 when that moment never came.
 *
 * @param status the status the client got (the upstream's, or tollgate's own)
 */
public record CallEnd(
        Outcome outcome,
        int status,
        long receivedNanos,
        long upstreamSentNanos,
        long firstByteNanos,
        long lastByteNanos,
        long finishedNanos) {

    /** A call tollgate answered itself before forwarding (a budget refusal). */
    public static CallEnd refused(Outcome outcome, int status, long receivedNanos, long finishedNanos) {
        return new CallEnd(outcome, status, receivedNanos, 0, 0, 0, finishedNanos);
    }

    /** A call whose client left before it was forwarded: nothing reached the upstream, nothing was spent. */
    public static CallEnd clientGoneBeforeForwarding(long receivedNanos, long finishedNanos) {
        return new CallEnd(Outcome.CLIENT_GONE, 0, receivedNanos, 0, 0, 0, finishedNanos);
    }

    public long durationNanos() {
        return finishedNanos - receivedNanos;
    }

    public long ttfbNanos() {
        return firstByteNanos == 0 ? 0 : firstByteNanos - receivedNanos;
    }

    /** Time tollgate itself added: the whole call minus the time spent waiting on the upstream. */
    public long overheadNanos() {
        long upstream = upstreamSentNanos == 0 ? 0
                : Math.max(0, (lastByteNanos == 0 ? finishedNanos : lastByteNanos) - upstreamSentNanos);
        return Math.max(0, durationNanos() - upstream);
    }

    boolean forwarded() {
        return upstreamSentNanos > 0;
    }
}

package tollgate.proxy.relay;

/**
 * What one exchange did, for metering and metrics. Times are {@link System#nanoTime()} readings; 0 when that
 * moment never came.
 *
 * @param status the status the client got (the upstream's, or tollgate's own error)
 */
public record ExchangeResult(
        Outcome outcome,
        int status,
        long receivedNanos,
        long upstreamSentNanos,
        long firstByteNanos,
        long lastByteNanos,
        long finishedNanos,
        long backpressurePauses) {

    public long durationNanos() {
        return finishedNanos - receivedNanos;
    }

    public long ttfbNanos() {
        return firstByteNanos == 0 ? 0 : firstByteNanos - receivedNanos;
    }

    /** Time tollgate itself added: the whole call minus the time spent waiting on the upstream. */
    public long overheadNanos() {
        long upstream = upstreamSentNanos == 0 ? 0 : Math.max(0, (lastByteNanos == 0 ? finishedNanos : lastByteNanos) - upstreamSentNanos);
        return Math.max(0, durationNanos() - upstream);
    }
}

package tollgate.config;

/**
 * Bounds on what a client may send and on what tollgate holds.
 *
 * @param maxHeldBytes most response bytes one call holds back while metering decides on them (the injected usage
 *     chunk is cut from a stream); past it the stream passes through unedited and the overflow is counted
 * @param maxUsageTokens most tokens of any one kind an upstream's usage may report for one call; past it (or for a
 *     negative, fractional or absurd number) the call is recorded as estimated with {@code upstream_usage_invalid}
 */
public record Limits(long maxRequestBytes, int maxHeaderBytes, int maxConnectionsPerLoop, int maxPendingAcquires,
                     int maxHeldBytes, long maxUsageTokens) {
    public static final long DEFAULT_MAX_REQUEST_BYTES = 32L * 1024 * 1024;
    public static final long DEFAULT_MAX_USAGE_TOKENS = 1_000_000_000L;
    public static final Limits DEFAULT = new Limits(DEFAULT_MAX_REQUEST_BYTES, 64 * 1024, 512, 4096, 1024 * 1024,
            DEFAULT_MAX_USAGE_TOKENS);

    public Limits(long maxRequestBytes, int maxHeaderBytes, int maxConnectionsPerLoop, int maxPendingAcquires,
                  int maxHeldBytes) {
        this(maxRequestBytes, maxHeaderBytes, maxConnectionsPerLoop, maxPendingAcquires, maxHeldBytes,
                DEFAULT_MAX_USAGE_TOKENS);
    }

    public Limits {
        if (maxRequestBytes < 1 || maxRequestBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("limits.max_request_bytes: " + maxRequestBytes + " (expected: 1.." + Integer.MAX_VALUE + ")");
        }
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("limits.max_header_bytes: " + maxHeaderBytes + " (expected: >= 1024)");
        }
        if (maxConnectionsPerLoop < 1) {
            throw new IllegalArgumentException("limits.max_connections_per_loop: " + maxConnectionsPerLoop + " (expected: >= 1)");
        }
        if (maxHeldBytes < 1024) {
            throw new IllegalArgumentException("limits.max_held_bytes: " + maxHeldBytes + " (expected: >= 1024)");
        }
        if (maxUsageTokens < 1) {
            throw new IllegalArgumentException("limits.max_usage_tokens: " + maxUsageTokens + " (expected: >= 1)");
        }
        if (maxPendingAcquires < 0) {
            throw new IllegalArgumentException("limits.max_pending_acquires: " + maxPendingAcquires + " (expected: >= 0)");
        }
    }
}

package tollgate.config;

import org.jspecify.annotations.Nullable;

/**
 * Requests and tokens per minute one scope member may use (SPEC 11 {@code rate_limits}); either may be absent.
 * Tokens are the prompt estimate plus the most output the call may produce, settled to the real count when it ends.
 *
 * @param requestsPerMinute null: requests are not limited
 * @param tokensPerMinute null: tokens are not limited
 */
public record RateLimit(@Nullable Long requestsPerMinute, @Nullable Long tokensPerMinute) {

    /** Counted in microseconds: one unit a microsecond is the finest rate a bucket can refill at. */
    public static final long MAX_PER_MINUTE = 60_000_000L;

    public RateLimit {
        check("requests_per_minute", requestsPerMinute);
        check("tokens_per_minute", tokensPerMinute);
        if (requestsPerMinute == null && tokensPerMinute == null) {
            throw new IllegalArgumentException("(expected: requests_per_minute, tokens_per_minute or both)");
        }
    }

    private static void check(String name, @Nullable Long v) {
        if (v != null && (v < 1 || v > MAX_PER_MINUTE)) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: 1 to " + MAX_PER_MINUTE + ")");
        }
    }
}

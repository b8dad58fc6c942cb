package tollgate.metering.log;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One metered call: exactly one line of the usage log (SPEC 8), in its field order.
 *
 * @param key the key id (configured name or {@code fp-} fingerprint), never a raw key
 * @param costUsd null when the model has no price
 * @param error null for a complete call; else the upstream's error code, {@code http_<status>} or tollgate's reason
 * @param units the units of SPEC 12 besides text tokens, and how the call was billed
 * @param trace the client's W3C {@code traceparent}/{@code tracestate} headers, for the call's OpenTelemetry span;
 *     not a usage-log field (empty when read back from the log)
 */
public record UsageRecord(
        Instant ts,
        String requestId,
        String key,
        String endpoint,
        @Nullable String model,
        @Nullable String pricedAs,
        boolean stream,
        int status,
        long inputTokens,
        long cachedInputTokens,
        long outputTokens,
        long reasoningTokens,
        long totalTokens,
        boolean estimated,
        @Nullable BigDecimal costUsd,
        long durationMs,
        long ttfbMs,
        @Nullable String user,
        Map<String, String> tags,
        @Nullable String error,
        UsageUnits units,
        Map<String, String> trace) {

    public UsageRecord {
        tags = Map.copyOf(tags);
        trace = Map.copyOf(trace);
        Objects.requireNonNull(units, "units");
    }

    /** A record without trace context (read from the log, or made by tollgate itself). */
    public UsageRecord(Instant ts, String requestId, String key, String endpoint, @Nullable String model,
                       @Nullable String pricedAs, boolean stream, int status, long inputTokens, long cachedInputTokens,
                       long outputTokens, long reasoningTokens, long totalTokens, boolean estimated,
                       @Nullable BigDecimal costUsd, long durationMs, long ttfbMs, @Nullable String user,
                       Map<String, String> tags, @Nullable String error, UsageUnits units) {
        this(ts, requestId, key, endpoint, model, pricedAs, stream, status, inputTokens, cachedInputTokens, outputTokens,
                reasoningTokens, totalTokens, estimated, costUsd, durationMs, ttfbMs, user, tags, error, units, Map.of());
    }

    /** A text call without SPEC 12's units. */
    public UsageRecord(Instant ts, String requestId, String key, String endpoint, @Nullable String model,
                       @Nullable String pricedAs, boolean stream, int status, long inputTokens, long cachedInputTokens,
                       long outputTokens, long reasoningTokens, long totalTokens, boolean estimated,
                       @Nullable BigDecimal costUsd, long durationMs, long ttfbMs, @Nullable String user,
                       Map<String, String> tags, @Nullable String error) {
        this(ts, requestId, key, endpoint, model, pricedAs, stream, status, inputTokens, cachedInputTokens, outputTokens,
                reasoningTokens, totalTokens, estimated, costUsd, durationMs, ttfbMs, user, tags, error, UsageUnits.NONE);
    }

    /** SPEC 12's {@code unpriced}: the call has no price (a model or an endpoint tollgate does not price). */
    public boolean unpriced() {
        return costUsd == null;
    }
}

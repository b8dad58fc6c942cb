package tollgate.metering.report;

import java.math.BigDecimal;
import tollgate.metering.usage.UnitCounts;

/**
 * Everything a {@link Tally} holds, as plain values: what a stored rollup row is made of, so a row read back is the
 * very Tally that was summed (issue 20), and the report computed from it the same to the cent.
 *
 * @param minInputTokens {@code Long.MAX_VALUE} for no call
 * @param aboveEdges per long-context edge, input, cached and output tokens of the calls above it; empty until one is
 * @param durationCounts calls per duration bucket ({@link Durations}); empty without a timed call
 * @param firstEpochMilli {@code Long.MAX_VALUE} without a timed call
 * @param lastEpochMilli {@code Long.MIN_VALUE} without a timed call
 */
public record TallyState(long requests, long inputTokens, long cachedInputTokens, long outputTokens,
                         long reasoningTokens, long totalTokens, BigDecimal costUsd, long estimatedRequests,
                         BigDecimal estimatedCostUsd, long unpricedRequests, long cacheablePromptRequests,
                         long cacheablePromptInputTokens, long cacheablePromptCachedTokens, UnitCounts units,
                         long minInputTokens, long maxInputTokens, long[] aboveEdges, long[] durationCounts,
                         long durationCalls, long firstEpochMilli, long lastEpochMilli) {

    public static TallyState of(Tally t) {
        return t.state();
    }

    public Tally toTally() {
        return Tally.of(this);
    }
}

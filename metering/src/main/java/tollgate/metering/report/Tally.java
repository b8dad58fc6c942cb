package tollgate.metering.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * Running sums of calls: counts, tokens by type and exact cost; not thread-safe (its holder locks it).
 *
 * <p>Besides the report's totals it keeps what the suggestion rules need and cannot get back from sums:
 * estimated calls, unpriced calls, the input and cached tokens of prompts long enough to be cached, and enough of
 * the calls' input sizes to reprice them at a model with a long-context tier as they would be billed, call by call.
 */
public final class Tally {
    /** OpenAI caches prompts of 1,024 tokens or more (platform.openai.com/docs/guides/prompt-caching). */
    public static final long CACHEABLE_PROMPT_TOKENS = 1024;
    /**
     * The long-context thresholds of the prices tollgate ships (OpenAI's 272K, Anthropic's 200K and 100K) and the 128K others
     * use: calls are also summed above each, since a tier prices a whole call by its own input (SPEC 6).
     */
    static final long[] LONG_CONTEXT_EDGES = {100_000, 128_000, 200_000, 272_000};
    private static final int SUMS_PER_EDGE = 3;

    long requests;
    long inputTokens;
    long cachedInputTokens;
    long outputTokens;
    long reasoningTokens;
    long totalTokens;
    BigDecimal costUsd = BigDecimal.ZERO;
    long estimatedRequests;
    BigDecimal estimatedCostUsd = BigDecimal.ZERO;
    long unpricedRequests;
    long cacheablePromptRequests;
    long cacheablePromptInputTokens;
    long cacheablePromptCachedTokens;
    UnitCounts units = UnitCounts.ZERO;
    private long minInputTokens = Long.MAX_VALUE;
    private long maxInputTokens;
    /** Per edge: input, cached and output tokens of the calls whose input is above it; null until a call is. */
    private long @Nullable [] aboveEdges;
    private @Nullable Durations durations;
    private long firstEpochMilli = Long.MAX_VALUE;
    private long lastEpochMilli = Long.MIN_VALUE;

    /** Adds one call without SPEC 12's units. */
    public void addCall(long input, long cached, long output, long reasoning, long total, boolean estimated,
                        @Nullable BigDecimal cost) {
        addCall(input, cached, output, reasoning, total, estimated, cost, UnitCounts.ZERO);
    }

    /** Adds one call. */
    public void addCall(long input, long cached, long output, long reasoning, long total, boolean estimated,
                        @Nullable BigDecimal cost, UnitCounts callUnits) {
        requests++;
        units = units.plus(callUnits);
        inputTokens += input;
        cachedInputTokens += cached;
        outputTokens += output;
        reasoningTokens += reasoning;
        totalTokens += total;
        if (cost == null) {
            unpricedRequests++;
        } else {
            costUsd = costUsd.add(cost);
        }
        if (estimated) {
            estimatedRequests++;
            if (cost != null) {
                estimatedCostUsd = estimatedCostUsd.add(cost);
            }
        }
        if (input >= CACHEABLE_PROMPT_TOKENS) {
            cacheablePromptRequests++;
            cacheablePromptInputTokens += input;
            cacheablePromptCachedTokens += cached;
        }
        minInputTokens = Math.min(minInputTokens, input);
        maxInputTokens = Math.max(maxInputTokens, input);
        for (int i = 0; i < LONG_CONTEXT_EDGES.length && input > LONG_CONTEXT_EDGES[i]; i++) {
            long[] a = aboveEdges();
            a[i * SUMS_PER_EDGE] += input;
            a[i * SUMS_PER_EDGE + 1] += cached;
            a[i * SUMS_PER_EDGE + 2] += output;
        }
    }

    /** Adds when a call was logged and how long it took; called once per {@link #addCall}. */
    public void addTiming(long epochMilli, long durationMs) {
        firstEpochMilli = Math.min(firstEpochMilli, epochMilli);
        lastEpochMilli = Math.max(lastEpochMilli, epochMilli);
        durations().add(durationMs);
    }

    public void add(Tally other) {
        requests += other.requests;
        inputTokens += other.inputTokens;
        cachedInputTokens += other.cachedInputTokens;
        outputTokens += other.outputTokens;
        reasoningTokens += other.reasoningTokens;
        totalTokens += other.totalTokens;
        costUsd = costUsd.add(other.costUsd);
        estimatedRequests += other.estimatedRequests;
        estimatedCostUsd = estimatedCostUsd.add(other.estimatedCostUsd);
        unpricedRequests += other.unpricedRequests;
        cacheablePromptRequests += other.cacheablePromptRequests;
        cacheablePromptInputTokens += other.cacheablePromptInputTokens;
        cacheablePromptCachedTokens += other.cacheablePromptCachedTokens;
        units = units.plus(other.units);
        minInputTokens = Math.min(minInputTokens, other.minInputTokens);
        maxInputTokens = Math.max(maxInputTokens, other.maxInputTokens);
        if (other.aboveEdges != null) {
            long[] a = aboveEdges();
            for (int i = 0; i < a.length; i++) {
                a[i] += other.aboveEdges[i];
            }
        }
        if (other.durations != null) {
            durations().add(other.durations);
        }
        firstEpochMilli = Math.min(firstEpochMilli, other.firstEpochMilli);
        lastEpochMilli = Math.max(lastEpochMilli, other.lastEpochMilli);
    }

    private Durations durations() {
        Durations d = durations;
        if (d == null) {
            d = new Durations();
            durations = d;
        }
        return d;
    }

    /** The duration's bucket bound at {@code fraction} of the timed calls ({@link Durations}); 0 with none. */
    long durationPercentileMs(double fraction) {
        return durations == null ? 0 : durations.percentileMs(fraction);
    }

    /** When the first timed call was logged; null with none. */
    @Nullable Instant firstTs() {
        return firstEpochMilli == Long.MAX_VALUE ? null : Instant.ofEpochMilli(firstEpochMilli);
    }

    /** When the last timed call was logged; null with none. */
    @Nullable Instant lastTs() {
        return lastEpochMilli == Long.MIN_VALUE ? null : Instant.ofEpochMilli(lastEpochMilli);
    }

    private long[] aboveEdges() {
        long[] a = aboveEdges;
        if (a == null) {
            a = new long[LONG_CONTEXT_EDGES.length * SUMS_PER_EDGE];
            aboveEdges = a;
        }
        return a;
    }

    /**
     * The input, cached and output tokens of the calls whose input is above {@code inputTokens}, summed; null when
     * the sums cannot tell (calls on both sides of a threshold that is not one of {@link #LONG_CONTEXT_EDGES}).
     */
    @Nullable Usage above(long inputTokens) {
        if (requests == 0 || maxInputTokens <= inputTokens) {
            return Usage.ZERO;
        }
        if (minInputTokens > inputTokens) {
            return new Usage(this.inputTokens, cachedInputTokens, outputTokens, 0);
        }
        int i = Arrays.binarySearch(LONG_CONTEXT_EDGES, inputTokens);
        if (i < 0) {
            return null;
        }
        long[] a = aboveEdges();
        return new Usage(a[i * SUMS_PER_EDGE], a[i * SUMS_PER_EDGE + 1], a[i * SUMS_PER_EDGE + 2], 0);
    }

    /** Adds one call of the log (its counts and timing), the way every reader of the log counts it. */
    public void addRecord(tollgate.metering.log.UsageRecord r) {
        addCall(r.inputTokens(), r.cachedInputTokens(), r.outputTokens(), r.reasoningTokens(), r.totalTokens(),
                r.estimated(), r.costUsd(), r.units().counts());
        addTiming(r.ts().toEpochMilli(), r.durationMs());
    }

    TallyState state() {
        return new TallyState(requests, inputTokens, cachedInputTokens, outputTokens, reasoningTokens, totalTokens,
                costUsd, estimatedRequests, estimatedCostUsd, unpricedRequests, cacheablePromptRequests,
                cacheablePromptInputTokens, cacheablePromptCachedTokens, units, minInputTokens, maxInputTokens,
                aboveEdges == null ? new long[0] : aboveEdges.clone(),
                durations == null ? new long[0] : durations.counts(), durations == null ? 0 : durations.calls(),
                firstEpochMilli, lastEpochMilli);
    }

    static Tally of(TallyState s) {
        Tally t = new Tally();
        t.requests = s.requests();
        t.inputTokens = s.inputTokens();
        t.cachedInputTokens = s.cachedInputTokens();
        t.outputTokens = s.outputTokens();
        t.reasoningTokens = s.reasoningTokens();
        t.totalTokens = s.totalTokens();
        t.costUsd = s.costUsd();
        t.estimatedRequests = s.estimatedRequests();
        t.estimatedCostUsd = s.estimatedCostUsd();
        t.unpricedRequests = s.unpricedRequests();
        t.cacheablePromptRequests = s.cacheablePromptRequests();
        t.cacheablePromptInputTokens = s.cacheablePromptInputTokens();
        t.cacheablePromptCachedTokens = s.cacheablePromptCachedTokens();
        t.units = s.units();
        t.minInputTokens = s.minInputTokens();
        t.maxInputTokens = s.maxInputTokens();
        if (s.aboveEdges().length > 0) {
            long[] a = t.aboveEdges();
            System.arraycopy(s.aboveEdges(), 0, a, 0, Math.min(a.length, s.aboveEdges().length));
        }
        if (s.durationCalls() > 0) {
            t.durations = Durations.of(s.durationCounts(), s.durationCalls());
        }
        t.firstEpochMilli = s.firstEpochMilli();
        t.lastEpochMilli = s.lastEpochMilli();
        return t;
    }

    public Tally copy() {
        Tally t = new Tally();
        t.add(this);
        return t;
    }

    public long requests() {
        return requests;
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long cachedInputTokens() {
        return cachedInputTokens;
    }

    public long outputTokens() {
        return outputTokens;
    }

    public long reasoningTokens() {
        return reasoningTokens;
    }

    public long totalTokens() {
        return totalTokens;
    }

    public BigDecimal costUsd() {
        return costUsd;
    }

    public long estimatedRequests() {
        return estimatedRequests;
    }

    public BigDecimal estimatedCostUsd() {
        return estimatedCostUsd;
    }

    public long unpricedRequests() {
        return unpricedRequests;
    }

    public long cacheablePromptRequests() {
        return cacheablePromptRequests;
    }

    public long cacheablePromptInputTokens() {
        return cacheablePromptInputTokens;
    }

    public long cacheablePromptCachedTokens() {
        return cacheablePromptCachedTokens;
    }

    /** SPEC 12's units besides text tokens, summed. */
    public UnitCounts units() {
        return units;
    }
}

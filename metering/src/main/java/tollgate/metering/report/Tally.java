package tollgate.metering.report;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * Running sums of calls: counts, tokens by type and exact cost; not thread-safe (its holder locks it).
 *
 * <p>Besides the report's totals it keeps what the suggestion rules need and cannot get back from sums:
 * estimated calls, unpriced calls, and the input and cached tokens of prompts long enough to be cached.
 */
public final class Tally {
    /** OpenAI caches prompts of 1,024 tokens or more (platform.openai.com/docs/guides/prompt-caching). */
    public static final long CACHEABLE_PROMPT_TOKENS = 1024;

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

    /** Adds one call. */
    public void addCall(long input, long cached, long output, long reasoning, long total, boolean estimated,
                        @Nullable BigDecimal cost) {
        requests++;
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
}

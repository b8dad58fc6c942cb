package tollgate.metering.usage;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * Token counts of one call, in SPEC 5's terms whatever the API called them, with SPEC 12's kinds of token.
 *
 * @param outputTokens reasoning included, as billed
 * @param cacheCreationInputTokens cache writes (Anthropic's {@code cache_creation_input_tokens}, OpenAI's
 *     {@code input_tokens_details.cache_write_tokens}); part of the input tokens
 * @param audioInputTokens audio tokens of the input; part of the input tokens
 * @param audioOutputTokens audio tokens of the output; part of the output tokens
 * @param imageInputTokens image tokens of the input (gpt-image-*); part of the input tokens
 * @param imageOutputTokens image tokens of the output (gpt-image-*); part of the output tokens
 * @param cacheWrite1hTokens cache writes with Anthropic's 1-hour lifetime ({@code cache_creation.ephemeral_1h_input_tokens},
 *     billed at the 1-hour write price); part of the cache writes, the rest of which are 5-minute writes
 * @param providerCostUsd what the provider says the call cost in its usage (OpenRouter's {@code usage.cost}), used
 *     instead of tollgate's price only for a route with {@code trust_provider_cost: true} (SPEC 13); null when absent
 * @param webSearchRequests web searches the usage says the call ran (Anthropic's
 *     {@code server_tool_use.web_search_requests}), billed per search, not as tokens
 */
public record Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                    long cacheCreationInputTokens, long audioInputTokens, long audioOutputTokens,
                    long imageInputTokens, long imageOutputTokens, long cacheWrite1hTokens,
                    @Nullable BigDecimal providerCostUsd, long webSearchRequests) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0);

    public Usage {
        if (inputTokens < 0 || cachedInputTokens < 0 || outputTokens < 0 || reasoningTokens < 0 || cacheCreationInputTokens < 0
                || audioInputTokens < 0 || audioOutputTokens < 0 || imageInputTokens < 0 || imageOutputTokens < 0
                || cacheWrite1hTokens < 0 || webSearchRequests < 0) {
            throw new IllegalArgumentException("token counts: negative (expected: >= 0)");
        }
        if (providerCostUsd != null && providerCostUsd.signum() < 0) {
            throw new IllegalArgumentException("providerCostUsd: " + providerCostUsd + " (expected: >= 0)");
        }
    }

    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                 long cacheCreationInputTokens, long audioInputTokens, long audioOutputTokens,
                 long imageInputTokens, long imageOutputTokens, long cacheWrite1hTokens,
                 @Nullable BigDecimal providerCostUsd) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, cacheCreationInputTokens, audioInputTokens,
                audioOutputTokens, imageInputTokens, imageOutputTokens, cacheWrite1hTokens, providerCostUsd, 0);
    }

    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                 long cacheCreationInputTokens, long audioInputTokens, long audioOutputTokens,
                 long imageInputTokens, long imageOutputTokens, long cacheWrite1hTokens) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, cacheCreationInputTokens, audioInputTokens,
                audioOutputTokens, imageInputTokens, imageOutputTokens, cacheWrite1hTokens, null);
    }

    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                 long cacheCreationInputTokens, long audioInputTokens, long audioOutputTokens,
                 long imageInputTokens, long imageOutputTokens) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, cacheCreationInputTokens, audioInputTokens,
                audioOutputTokens, imageInputTokens, imageOutputTokens, 0);
    }

    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                 long cacheCreationInputTokens) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, cacheCreationInputTokens, 0, 0, 0, 0);
    }

    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, 0);
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}

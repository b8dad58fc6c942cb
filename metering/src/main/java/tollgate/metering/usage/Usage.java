package tollgate.metering.usage;

/**
 * Token counts of one call, in SPEC 5's terms whatever the API called them.
 *
 * @param outputTokens reasoning included, as billed
 * @param cacheCreationInputTokens Anthropic's cache writes; 0 for OpenAI
 */
public record Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens,
                    long cacheCreationInputTokens) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0);

    public Usage {
        if (inputTokens < 0 || cachedInputTokens < 0 || outputTokens < 0 || reasoningTokens < 0 || cacheCreationInputTokens < 0) {
            throw new IllegalArgumentException("token counts: negative (expected: >= 0)");
        }
    }

    public Usage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens) {
        this(inputTokens, cachedInputTokens, outputTokens, reasoningTokens, 0);
    }

    public long totalTokens() {
        return inputTokens + outputTokens;
    }
}

package tollgate.metering.usage;

import static tollgate.metering.usage.JsonMappers.count;
import static tollgate.metering.usage.JsonMappers.object;

import com.fasterxml.jackson.databind.JsonNode;
import org.jspecify.annotations.Nullable;

/**
 * Reads an API's {@code usage} object into {@link Usage}, whatever the API called the counts (SPEC 5).
 *
 * <pre>
 * input     ← prompt_tokens | input_tokens
 * cached    ← prompt_tokens_details.cached_tokens | input_tokens_details.cached_tokens | cache_read_input_tokens
 * output    ← completion_tokens | output_tokens             (reasoning included, as billed)
 * reasoning ← completion_tokens_details.reasoning_tokens | output_tokens_details.reasoning_tokens
 * cache creation ← cache_creation_input_tokens
 * </pre>
 */
public final class UsageParser {
    private UsageParser() {
    }

    /** The usage, or null when the node is absent, JSON null, not an object, or names no token count. */
    public static @Nullable Usage parse(@Nullable JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        Long prompt = count(usage, "prompt_tokens");
        Long input = count(usage, "input_tokens");
        Long completion = count(usage, "completion_tokens");
        Long output = count(usage, "output_tokens");
        if (prompt == null && input == null && completion == null && output == null) {
            Long total = count(usage, "total_tokens");
            return total == null ? null : new Usage(total, 0, 0, 0, 0);
        }
        long cacheRead = orZero(count(usage, "cache_read_input_tokens"));
        long cacheCreation = orZero(count(usage, "cache_creation_input_tokens"));
        long in = prompt != null ? prompt : orZero(input);
        if (prompt == null && input != null && object(usage, "input_tokens_details") == null
                && (usage.has("cache_read_input_tokens") || usage.has("cache_creation_input_tokens"))) {
            // Anthropic counts input_tokens apart from cache reads and writes: total input is the sum of the three
            // (docs.anthropic.com, prompt caching, "Tracking cache performance"). SPEC 5 wants cached ⊆ input.
            in = input + cacheRead + cacheCreation;
        }
        long out = completion != null ? completion : orZero(output);
        long cached = first(
                count(object(usage, "prompt_tokens_details"), "cached_tokens"),
                count(object(usage, "input_tokens_details"), "cached_tokens"),
                cacheRead);
        long reasoning = first(
                count(object(usage, "completion_tokens_details"), "reasoning_tokens"),
                count(object(usage, "output_tokens_details"), "reasoning_tokens"),
                0L);
        return new Usage(in, Math.min(cached, in), out, reasoning, cacheCreation);
    }

    private static long first(@Nullable Long a, @Nullable Long b, long otherwise) {
        if (a != null) {
            return a;
        }
        return b != null ? b : otherwise;
    }

    private static long orZero(@Nullable Long value) {
        return value == null ? 0L : value;
    }
}

package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads an API's {@code usage} object into {@link Usage}, whatever the API called the counts (SPEC 5).
 *
 * <pre>
 * input     ← prompt_tokens | input_tokens
 * cached    ← prompt_tokens_details.cached_tokens | input_tokens_details.cached_tokens | cache_read_input_tokens
 * output    ← completion_tokens | output_tokens             (reasoning included, as billed)
 * reasoning ← completion_tokens_details.reasoning_tokens | output_tokens_details.reasoning_tokens
 * cache creation ← cache_creation_input_tokens | input_tokens_details.cache_write_tokens
 *   of which 1 h ← cache_creation.ephemeral_1h_input_tokens   (Anthropic; the rest are 5-minute writes)
 * provider cost ← cost                                       (OpenRouter: USD the call cost, as the provider billed it)
 * audio in  ← prompt_tokens_details.audio_tokens | input_tokens_details.audio_tokens
 * audio out ← completion_tokens_details.audio_tokens | output_tokens_details.audio_tokens
 * image in  ← input_tokens_details.image_tokens            (gpt-image-*)
 * image out ← output_tokens_details.image_tokens           (gpt-image-*)
 * web searches ← server_tool_use.web_search_requests       (Anthropic; billed per search)
 * </pre>
 *
 * <p>Read with a streaming parser, so a usage object in a stream or an answer costs no tree; a tree is read
 * through the same code.
 */
public final class UsageParser {
    /** What {@link JsonMappers#count} gives for a value that is not a number. */
    private static final long ABSENT = -1;

    private long prompt = ABSENT;
    private long input = ABSENT;
    private long completion = ABSENT;
    private long output = ABSENT;
    private long total = ABSENT;
    private long cacheRead = ABSENT;
    private long cacheCreation = ABSENT;
    private boolean hasCacheRead;
    private boolean hasCacheCreation;
    private long cacheWrite1h = ABSENT;
    private long webSearches = ABSENT;
    private @Nullable BigDecimal cost;
    private boolean inputDetails;
    /** The counts of the four details objects, by {@link #DETAILS} index. */
    private final long[] promptDetails = absent();
    private final long[] inputDetailsCounts = absent();
    private final long[] completionDetails = absent();
    private final long[] outputDetails = absent();

    private static final String[] DETAILS = {"cached_tokens", "reasoning_tokens", "cache_write_tokens", "audio_tokens",
        "image_tokens"};
    private static final int CACHED = 0;
    private static final int REASONING = 1;
    private static final int CACHE_WRITE = 2;
    private static final int AUDIO = 3;
    private static final int IMAGE = 4;

    private UsageParser() {
    }

    /** The usage, or null when the node is absent, JSON null, not an object, or names no token count. */
    public static @Nullable Usage parse(@Nullable JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        try (JsonParser p = usage.traverse()) {
            p.nextToken();
            return parse(p);
        } catch (IOException e) {
            throw new IllegalStateException("reading a tree cannot fail", e);
        }
    }

    /**
     * The usage of the object at the parser's current token ({@code START_OBJECT}), read up to its end; null when it
     * names no token count. Any other current token is skipped and gives null.
     */
    public static @Nullable Usage parse(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        UsageParser u = new UsageParser();
        u.read(p);
        return u.usage();
    }

    private void read(JsonParser p) throws IOException {
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt_tokens" -> prompt = JsonMappers.count(p, v);
                case "input_tokens" -> input = JsonMappers.count(p, v);
                case "completion_tokens" -> completion = JsonMappers.count(p, v);
                case "output_tokens" -> output = JsonMappers.count(p, v);
                case "total_tokens" -> total = JsonMappers.count(p, v);
                case "cache_read_input_tokens" -> {
                    hasCacheRead = true;
                    cacheRead = JsonMappers.count(p, v);
                }
                case "cache_creation_input_tokens" -> {
                    hasCacheCreation = true;
                    cacheCreation = JsonMappers.count(p, v);
                }
                case "cache_creation" -> cacheWrite1h = oneHourWrites(p, v);
                case "server_tool_use" -> webSearches = webSearchRequests(p, v);
                case "cost" -> cost = cost(p, v);
                case "prompt_tokens_details" -> details(p, v, promptDetails);
                // the transcription API's usage says input_token_details (API reference, createTranscription)
                case "input_tokens_details", "input_token_details" -> {
                    inputDetails = v == JsonToken.START_OBJECT;
                    details(p, v, inputDetailsCounts);
                }
                case "completion_tokens_details" -> details(p, v, completionDetails);
                case "output_tokens_details" -> details(p, v, outputDetails);
                default -> p.skipChildren();
            }
        }
    }

    private @Nullable Usage usage() {
        if (prompt == ABSENT && input == ABSENT && completion == ABSENT && output == ABSENT) {
            return total == ABSENT ? null : new Usage(total, 0, 0, 0, 0);
        }
        long read = orZero(cacheRead);
        // OpenAI says its cache writes in the input's details: input_tokens_details (Responses) or
        // prompt_tokens_details (Chat Completions), cache_write_tokens
        long creation = hasCacheCreation ? orZero(cacheCreation)
                : first(inputDetailsCounts[CACHE_WRITE], promptDetails[CACHE_WRITE], 0L);
        long in = prompt != ABSENT ? prompt : orZero(input);
        if (prompt == ABSENT && input != ABSENT && !inputDetails && (hasCacheRead || hasCacheCreation)) {
            // Anthropic counts input_tokens apart from cache reads and writes: total input is the sum of the three
            // (docs.anthropic.com, prompt caching, "Tracking cache performance"). SPEC 5 wants cached ⊆ input.
            in = input + read + creation;
        }
        long out = completion != ABSENT ? completion : orZero(output);
        long cached = first(promptDetails[CACHED], inputDetailsCounts[CACHED], read);
        long reasoning = first(completionDetails[REASONING], outputDetails[REASONING], 0L);
        long audioIn = first(promptDetails[AUDIO], inputDetailsCounts[AUDIO], 0L);
        long audioOut = first(completionDetails[AUDIO], outputDetails[AUDIO], 0L);
        // parts are clamped to their whole, so a usage that breaks the convention never bills below zero
        long written = Math.min(creation, in);
        return new Usage(in, Math.min(cached, in), out, reasoning, written, Math.min(audioIn, in),
                Math.min(audioOut, out), Math.min(orZero(inputDetailsCounts[IMAGE]), in),
                Math.min(orZero(outputDetails[IMAGE]), out), Math.min(orZero(cacheWrite1h), written), cost,
                orZero(webSearches));
    }

    /** A non-negative decimal USD amount below $1M for one call; anything else is not believed (null). */
    private static @Nullable BigDecimal cost(JsonParser p, JsonToken v) throws IOException {
        if (!v.isNumeric()) {
            p.skipChildren();
            return null;
        }
        BigDecimal usd = p.getDecimalValue();
        return usd.signum() < 0 || usd.compareTo(MAX_CALL_COST_USD) >= 0 ? null : usd;
    }

    private static final BigDecimal MAX_CALL_COST_USD = BigDecimal.valueOf(1_000_000);

    /**
     * Anthropic's split of the cache writes by lifetime ({@code cache_creation}: {@code ephemeral_5m_input_tokens},
     * {@code ephemeral_1h_input_tokens}; prompt caching docs, "1-hour cache duration"): the 1-hour count, the one
     * billed apart. Shared with the stream reader.
     */
    static long oneHourWrites(JsonParser p, JsonToken v) throws IOException {
        return countIn(p, v, "ephemeral_1h_input_tokens");
    }

    /**
     * Anthropic's server tools of a call ({@code server_tool_use}: {@code web_search_requests}; web search tool docs,
     * "Usage"): the searches, billed per search. Shared with the stream reader, whose {@code message_delta} usage says
     * the same. A count no API writes (negative, fractional, beyond a long) bills no search: it is not believed.
     */
    static long webSearchRequests(JsonParser p, JsonToken v) throws IOException {
        long n = countIn(p, v, "web_search_requests");
        return n == JsonMappers.INVALID_COUNT ? ABSENT : n;
    }

    /** The count {@code field} of the object at the parser ({@code v}), read to its end; ABSENT when it has none. */
    private static long countIn(JsonParser p, JsonToken v, String field) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return ABSENT;
        }
        long count = ABSENT;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals(field)) {
                count = JsonMappers.count(p, value);
            } else {
                p.skipChildren();
            }
        }
        return count;
    }

    private static long[] absent() {
        long[] a = new long[DETAILS.length];
        Arrays.fill(a, ABSENT);
        return a;
    }

    /** The counts of a details object named in {@link #DETAILS}; the others are skipped. */
    private static void details(JsonParser p, JsonToken v, long[] into) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            int i = indexOf(name);
            if (i >= 0) {
                into[i] = JsonMappers.count(p, value);
            } else {
                p.skipChildren();
            }
        }
    }

    private static int indexOf(String name) {
        for (int i = 0; i < DETAILS.length; i++) {
            if (DETAILS[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static long first(long a, long b, long otherwise) {
        if (a != ABSENT) {
            return a;
        }
        return b != ABSENT ? b : otherwise;
    }

    private static long orZero(long value) {
        return value == ABSENT ? 0L : value;
    }
}

package tollgate.metering.usage;

import static tollgate.metering.usage.JsonMappers.count;
import static tollgate.metering.usage.JsonMappers.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * What metering needs from a request body, parsed once: model, streaming flags, output cap and user.
 * A body that is not a JSON object parses to a request with no model and no flags; parsing never throws.
 */
public final class RequestInfo {
    private static final byte[] INCLUDE_USAGE =
            "\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);

    private final Endpoint endpoint;
    private final byte[] raw;
    private final @Nullable ObjectNode body;
    private final @Nullable String model;
    private final boolean stream;
    private final boolean includeUsage;
    private final @Nullable Long maxOutputTokens;
    private final @Nullable String user;

    private RequestInfo(Endpoint endpoint, byte[] raw, @Nullable ObjectNode body) {
        this.endpoint = endpoint;
        this.raw = raw;
        this.body = body;
        this.model = text(body, "model");
        this.stream = body != null && isTrue(body.path("stream"));
        this.includeUsage = body != null && isTrue(body.path("stream_options").path("include_usage"));
        this.maxOutputTokens = maxOutputTokens(body);
        this.user = text(body, "user");
    }

    /** Parses the body of a request to {@code endpoint}; bad JSON gives a request with nulls and falses. */
    public static RequestInfo parse(Endpoint endpoint, byte[] body) {
        ObjectNode node = null;
        try {
            JsonNode parsed = JsonMappers.REQUEST.readTree(body);
            if (parsed instanceof ObjectNode object) {
                node = object;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the upstream will answer 400 and the call is metered by that answer
        }
        return new RequestInfo(endpoint, body, node);
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public @Nullable String model() {
        return model;
    }

    public boolean stream() {
        return stream;
    }

    /** {@code stream_options.include_usage} is {@code true}. */
    public boolean includeUsage() {
        return includeUsage;
    }

    /** {@code max_completion_tokens}, else {@code max_tokens}, else {@code max_output_tokens}; null when none. */
    public @Nullable Long maxOutputTokens() {
        return maxOutputTokens;
    }

    /** The body's {@code user} field when it is a string. */
    public @Nullable String user() {
        return user;
    }

    /** The parsed body (messages, input, prompt, tools for the token estimator), or null when it was not an object. */
    public @Nullable JsonNode body() {
        return body;
    }

    /** True for a streamed Chat Completions or Completions request that did not ask for usage itself. */
    public boolean needsUsageInjection() {
        return (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS) && stream && !includeUsage;
    }

    /**
     * The body with {@code stream_options.include_usage: true}, other {@code stream_options} fields kept.
     * Without {@code stream_options} the member is spliced in and every other byte stays as the client sent it;
     * otherwise the body is re-serialized. A body that is not a JSON object is returned as it is.
     */
    public byte[] withUsageInjected() {
        ObjectNode b = body;
        if (b == null) {
            return raw;
        }
        if (!b.has("stream_options")) {
            byte[] spliced = splice();
            if (spliced != null) {
                return spliced;
            }
        }
        ObjectNode copy = b.objectNode();
        copy.setAll(b);
        JsonNode old = b.get("stream_options");
        ObjectNode options = copy.objectNode();
        if (old instanceof ObjectNode oldOptions) {
            options.setAll(oldOptions);
        }
        options.put("include_usage", true);
        copy.set("stream_options", options);
        try {
            return JsonMappers.REQUEST.writeValueAsBytes(copy);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("re-serializing a parsed request failed", e);
        }
    }

    private byte @Nullable [] splice() {
        int open = skipSpace(raw, 0);
        if (open + 2 < raw.length && (raw[open] & 0xFF) == 0xEF && (raw[open + 1] & 0xFF) == 0xBB
                && (raw[open + 2] & 0xFF) == 0xBF) {
            open = skipSpace(raw, open + 3);
        }
        // Jackson also reads UTF-16 and UTF-32 bodies; ASCII bytes can be spliced into UTF-8 only
        if (open + 1 >= raw.length || raw[open] != '{' || raw[open + 1] == 0) {
            return null;
        }
        int next = skipSpace(raw, open + 1);
        boolean empty = next < raw.length && raw[next] == '}';
        int insertAt = open + 1;
        byte[] out = new byte[raw.length + INCLUDE_USAGE.length + (empty ? 0 : 1)];
        System.arraycopy(raw, 0, out, 0, insertAt);
        System.arraycopy(INCLUDE_USAGE, 0, out, insertAt, INCLUDE_USAGE.length);
        int at = insertAt + INCLUDE_USAGE.length;
        if (!empty) {
            out[at++] = ',';
        }
        System.arraycopy(raw, insertAt, out, at, raw.length - insertAt);
        return out;
    }

    private static boolean isTrue(JsonNode node) {
        return node.isBoolean() && node.booleanValue();
    }

    private static int skipSpace(byte[] bytes, int from) {
        int i = from;
        while (i < bytes.length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n' || bytes[i] == '\r')) {
            i++;
        }
        return i;
    }

    private static @Nullable Long maxOutputTokens(@Nullable JsonNode body) {
        for (String field : new String[] {"max_completion_tokens", "max_tokens", "max_output_tokens"}) {
            Long value = count(body, field);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}

package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What metering needs from a request body: model, streaming flags, output cap and user, read by one streaming
 * pass over the top-level fields that skips {@code messages}, {@code tools}, {@code input} and the rest without
 * building them. A body that is not a JSON object reads as a request with no model and no flags; reading never
 * throws.
 *
 * <p>The bytes are not copied: a {@code byte[]} or a heap buffer is parsed in place, several buffers (a composite
 * body: {@code ByteBuf.nioBuffers()}) or a direct one through Jackson's own small recycled chunks. This object keeps
 * a reference to them for {@link #body()} and {@link #withUsageInjected()}, so the caller keeps them unchanged and
 * alive for as long as it may call those two; the scanned fields and {@link #usageSplice()} need nothing more.
 *
 * <pre>
 * RequestInfo.parse(endpoint, buf.nioBuffers())  → model(), stream(), includeUsage(), maxOutputTokens(), user()
 *                                                → usageSplice(): where include_usage goes, as byte offsets
 *                                                → body(): the whole tree, parsed again on demand (off the loop)
 * </pre>
 */
public final class RequestInfo {
    private static final byte[] STREAM_OPTIONS = ascii("\"stream_options\":{\"include_usage\":true}");
    private static final byte[] STREAM_OPTIONS_COMMA = ascii("\"stream_options\":{\"include_usage\":true},");
    private static final byte[] INCLUDE_USAGE = ascii("\"include_usage\":true");
    private static final byte[] INCLUDE_USAGE_COMMA = ascii("\"include_usage\":true,");
    private static final byte[] OPTIONS_OBJECT = ascii("{\"include_usage\":true}");
    private static final byte[] TRUE = ascii("true");
    private static final Set<String> UPLOAD_FIELDS = Set.of("model", "size", "quality");

    private final Endpoint endpoint;
    /** The body: {@code array[offset, offset + length)}, or else the buffers from position to limit. */
    private final byte @Nullable [] array;
    private final int offset;
    private final int length;
    private final ByteBuffer @Nullable [] buffers;
    private long bodyBytes;

    private boolean object;
    private @Nullable String model;
    /** The first top-level {@code model} when a later one differs from it (a crafted body), else null. */
    private @Nullable String otherModel;
    private boolean modelSeen;
    private boolean stream;
    private boolean includeUsage;
    private long maxCompletionTokens = -1;
    private long maxTokens = -1;
    private long maxOutputTokens = -1;
    private long n = -1;
    private long bestOf = -1;
    private @Nullable String user;
    private @Nullable String serviceTier;
    private @Nullable String size;
    private @Nullable String quality;
    private long characters;
    private long maxToolCalls = -1;
    private boolean webSearchTool;
    // where include_usage goes, as byte offsets into the body; -1: unknown (not an object, or not UTF-8)
    private int objectStart = -1;
    private boolean objectEmpty;
    private int optionsStart = -1;
    private int optionsEnd = -1;
    private boolean optionsObject;
    private boolean optionsEmpty;
    private int usageStart = -1;
    private int usageEnd = -1;

    private RequestInfo(Endpoint endpoint, byte @Nullable [] array, int offset, int length,
                        ByteBuffer @Nullable [] buffers) {
        this.endpoint = endpoint;
        this.array = array;
        this.offset = offset;
        this.length = length;
        this.buffers = buffers;
    }

    /** Reads a request body to {@code endpoint}; bad JSON gives a request with nulls and falses. */
    public static RequestInfo parse(Endpoint endpoint, byte[] body) {
        RequestInfo info = new RequestInfo(endpoint, body, 0, body.length, null);
        info.scan();
        return info;
    }

    /**
     * Reads a request body given as the bytes of {@code body} from each buffer's position to its limit, in order
     * (one buffer, or a composite body's {@code nioBuffers()}). The buffers' positions and limits are not changed.
     */
    /**
     * An Azure OpenAI call names its model by the deployment in its path, not in its body (SPEC 13): the deployment
     * stands for the model when the body names none, so that {@code pricing.aliases} can price it.
     */
    public RequestInfo withDeploymentModel(@Nullable String deployment) {
        return withModelIfNone(deployment);
    }

    /**
     * An upload's form may name its model after its file (openai-java sends the file first): read as the upload passed
     * ({@link MultipartAudio#model()}), it names the model of a call whose first bytes named none.
     */
    public RequestInfo withUploadModel(@Nullable String late) {
        return withModelIfNone(late);
    }

    private RequestInfo withModelIfNone(@Nullable String m) {
        if (model == null && m != null) {
            model = m;
        }
        return this;
    }

    /**
     * The body's top-level {@code model} (cut at 128 characters), read up to that field and no further, for choosing a
     * route (SPEC 13); null when the body names none or is not a JSON object. The buffers' positions move: pass views.
     */
    public static @Nullable String peekModel(ByteBuffer... body) {
        try (JsonParser p = JsonMappers.REQUEST.createParser(new ByteBuffersInputStream(body))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("model")) {
                    return v == JsonToken.VALUE_STRING ? FieldCap.cap(p.getText()) : null;
                }
                p.skipChildren();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    public static RequestInfo parse(Endpoint endpoint, ByteBuffer... body) {
        RequestInfo info;
        if (body.length == 1 && body[0].hasArray()) {
            ByteBuffer b = body[0];
            info = new RequestInfo(endpoint, b.array(), b.arrayOffset() + b.position(), b.remaining(), null);
        } else {
            ByteBuffer[] views = new ByteBuffer[body.length];
            long total = 0;
            for (int i = 0; i < body.length; i++) {
                views[i] = body[i].duplicate();
                total += views[i].remaining();
            }
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("request body: " + total + " bytes (expected: < 2 GiB)");
            }
            info = new RequestInfo(endpoint, null, 0, (int) total, views);
        }
        info.scan();
        return info;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /** The body's {@code model} when it is a string, cut at 128 characters (the last, if the body names several). */
    public @Nullable String model() {
        return model;
    }

    /**
     * The body's first top-level {@code model} when a later one names another model, else null. Routes read the
     * first ({@link #peekModel}: they read no further), metering and most JSON readers the last, so such a body
     * could go out on one model's route and be billed as another.
     */
    public @Nullable String conflictingModel() {
        return otherModel;
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
        long v = maxCompletionTokens >= 0 ? maxCompletionTokens : maxTokens >= 0 ? maxTokens : maxOutputTokens;
        return v >= 0 ? v : null;
    }

    /**
     * How many answers the upstream generates and bills for this request: {@code n} (chat, completions), or
     * {@code best_of} when larger (completions generate that many and bill them all); 1 when neither is given.
     */
    public long choices() {
        return Math.max(1, Math.max(n, bestOf));
    }

    /** A request's count, or absent (-1) when it is not a whole non-negative number (the upstream refuses those). */
    private static long cap(JsonParser p, JsonToken v) throws IOException {
        long c = JsonMappers.count(p, v);
        return c == JsonMappers.INVALID_COUNT ? -1 : c;
    }

    /** The body's {@code user} field (Anthropic: {@code metadata.user_id}) when it is a string, cut at 128 characters (SPEC 4). */
    public @Nullable String user() {
        return user;
    }

    /** The {@code service_tier} the request asks for (the answer names the one it got), cut at 128 characters. */
    public @Nullable String serviceTier() {
        return serviceTier;
    }

    /**
     * The images asked for ({@code /v1/images/*}): {@code quality/size} ({@code hd/1024x1792}), or the size alone
     * when the request names no quality; null when it names no size.
     */
    public @Nullable String imageOption() {
        if (size == null) {
            return null;
        }
        return quality == null ? size : quality + "/" + size;
    }

    /** The request offers the model a web search tool ({@code tools} has an item whose {@code type} starts with {@code web_search}). */
    public boolean webSearchTool() {
        return webSearchTool;
    }

    /** {@code max_tool_calls} (Responses: the most built-in tool calls a response may make), or null. */
    public @Nullable Long maxToolCalls() {
        return maxToolCalls >= 0 ? maxToolCalls : null;
    }

    /**
     * The whole body's length in bytes: for an upload, the most its file can hold. The bytes parsed, unless
     * {@link #withBodyBytes} says the body is longer (a streamed upload is admitted on its first bytes).
     */
    public long bodyBytes() {
        return Math.max(length, bodyBytes);
    }

    /** The whole body's length when only its first bytes were parsed (a streamed upload, SPEC 12). */
    public RequestInfo withBodyBytes(long bytes) {
        bodyBytes = bytes;
        return this;
    }

    /** Whether a {@code tools} array names a web search tool; reads the array to its end. */
    private static boolean tools(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return false;
        }
        boolean search = false;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals("type") && value == JsonToken.VALUE_STRING && p.getText().startsWith("web_search")) {
                    search = true;
                } else {
                    p.skipChildren();
                }
            }
        }
        return search;
    }

    /** The characters of the text to speak ({@code /v1/audio/speech} {@code input}, in code points); 0 otherwise. */
    public long characters() {
        return characters;
    }

    /**
     * The whole body as a tree (messages, input, prompt, tools for the token estimator), or null when it is not a
     * JSON object. Parsed from the bytes again on every call, which costs in proportion to the body: call it off
     * the event loop for large bodies, and only while the bytes given to {@code parse} are intact.
     */
    public @Nullable JsonNode body() {
        if (!object) {
            return null;
        }
        try {
            JsonNode parsed = array != null
                    ? JsonMappers.REQUEST.readTree(array, offset, length)
                    : JsonMappers.REQUEST.readTree(new ByteBuffersInputStream(buffers()));
            return parsed instanceof ObjectNode ? parsed : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * An upper bound of the prompt tokens the estimator could count in this body, found without parsing or
     * tokenizing it: every token of text is at least one byte of the body (JSON escapes only lengthen it), each
     * message's or tool's framing is shorter in tokens than its JSON in bytes, and each image or document part,
     * which the estimator counts as {@code perPart} tokens, spells {@code image} or {@code document} in its type.
     * -1 when the body has a {@code \\u} escape, which could spell those names unseen, or is not a JSON object.
     */
    public long promptTokenBound(int perPart) {
        if (!object) {
            return -1;
        }
        PartCounter c = new PartCounter();
        if (array != null) {
            c.scan(array, offset, offset + length);
        } else {
            for (ByteBuffer b : buffers()) {
                if (b.hasArray()) {
                    c.scan(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
                } else {
                    for (int i = b.position(); i < b.limit(); i++) {
                        c.next(b.get(i));
                    }
                }
            }
        }
        return c.escaped ? -1 : length + (long) perPart * c.parts;
    }

    /** Counts {@code image} and {@code document} in a byte stream and notes a {@code \\u} escape (across buffers). */
    private static final class PartCounter {
        private static final byte[] IMAGE = ascii("image");
        private static final byte[] DOCUMENT = ascii("document");
        private int image;
        private int document;
        private boolean backslash;
        long parts;
        boolean escaped;

        void scan(byte[] a, int from, int to) {
            for (int i = from; i < to; i++) {
                next(a[i]);
            }
        }

        void next(byte b) {
            if (backslash && b == 'u') {
                escaped = true;
            }
            backslash = b == '\\' && !backslash;
            image = b == IMAGE[image] ? image + 1 : (b == IMAGE[0] ? 1 : 0);
            if (image == IMAGE.length) {
                parts++;
                image = 0;
            }
            document = b == DOCUMENT[document] ? document + 1 : (b == DOCUMENT[0] ? 1 : 0);
            if (document == DOCUMENT.length) {
                parts++;
                document = 0;
            }
        }
    }

    /** The body's length in bytes. */
    public int length() {
        return length;
    }

    /** True for a streamed Chat Completions or Completions request that did not ask for usage itself. */
    public boolean needsUsageInjection() {
        return (endpoint == Endpoint.CHAT_COMPLETIONS || endpoint == Endpoint.COMPLETIONS) && stream && !includeUsage;
    }

    /**
     * The edit that sets {@code stream_options.include_usage: true}, every other byte kept as the client sent it;
     * null when the body is not a JSON object or already asks for usage. Without {@code stream_options} the member
     * is inserted after the opening brace; with a {@code stream_options} object, {@code include_usage} is inserted
     * into it or its value replaced; a {@code stream_options} that is not an object is replaced. A body that is not
     * UTF-8 (Jackson also reads UTF-16 and UTF-32) cannot take ASCII bytes: it is replaced as a whole by its
     * re-serialized tree, the one case that builds a new body.
     */
    public @Nullable BodySplice usageSplice() {
        if (!object || includeUsage) {
            return null;
        }
        if (objectStart < 0) {
            return reSerialized();
        }
        if (optionsStart < 0) {
            int at = objectStart + 1;
            return new BodySplice(at, at, objectEmpty ? STREAM_OPTIONS : STREAM_OPTIONS_COMMA);
        }
        if (!optionsObject) {
            return new BodySplice(optionsStart, optionsEnd, OPTIONS_OBJECT);
        }
        if (usageStart >= 0) {
            return new BodySplice(usageStart, usageEnd, TRUE);
        }
        int at = optionsStart + 1;
        return new BodySplice(at, at, optionsEmpty ? INCLUDE_USAGE : INCLUDE_USAGE_COMMA);
    }

    /**
     * A new array of the body with {@link #usageSplice()} applied (the body as it is when there is none). For tests
     * and callers that need an array; the proxy forwards slices around the splice instead.
     */
    public byte[] withUsageInjected() {
        BodySplice splice = usageSplice();
        byte[] whole = bytes();
        return splice == null ? whole : splice.applyTo(whole);
    }

    private byte[] bytes() {
        byte[] a = array;
        if (a != null) {
            return offset == 0 && length == a.length ? a : Arrays.copyOfRange(a, offset, offset + length);
        }
        byte[] out = new byte[length];
        int at = 0;
        for (ByteBuffer b : buffers()) {
            int n = b.remaining();
            b.get(b.position(), out, at, n);
            at += n;
        }
        return out;
    }

    private ByteBuffer[] buffers() {
        ByteBuffer[] b = buffers;
        if (b == null) {
            throw new IllegalStateException("no buffers");
        }
        return b;
    }

    private @Nullable BodySplice reSerialized() {
        JsonNode tree = body();
        if (!(tree instanceof ObjectNode b)) {
            return null;
        }
        JsonNode old = b.get("stream_options");
        ObjectNode options = b.objectNode();
        if (old instanceof ObjectNode oldOptions) {
            options.setAll(oldOptions);
        }
        options.put("include_usage", true);
        b.set("stream_options", options);
        try {
            return new BodySplice(0, length, JsonMappers.REQUEST.writeValueAsBytes(b));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("re-serializing a parsed request failed", e);
        }
    }

    private void scan() {
        if (endpoint.isUpload()) {
            Map<String, String> fields = MultipartFields.read(array != null
                    ? new ByteBuffer[] {ByteBuffer.wrap(array, offset, length)} : buffers(), UPLOAD_FIELDS);
            model = fields.get("model");
            size = fields.get("size");
            quality = fields.get("quality");
            return;
        }
        try (JsonParser p = array != null
                ? JsonMappers.REQUEST.createParser(array, offset, length)
                : JsonMappers.REQUEST.createParser(new ByteBuffersInputStream(buffers()))) {
            scanObject(p);
        } catch (IOException | RuntimeException e) {
            // not JSON: the upstream will answer 400 and the call is metered by that answer
            clear();
        }
    }

    private void scanObject(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return;
        }
        objectStart = byteOffset(p.currentTokenLocation());
        JsonToken t = p.nextToken();
        objectEmpty = t == JsonToken.END_OBJECT;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            // field names come from Jackson's symbol table: no String per name once seen
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "model" -> model(v == JsonToken.VALUE_STRING ? capped(p) : null);
                case "user" -> user = v == JsonToken.VALUE_STRING ? capped(p) : null;
                // Anthropic names the end user in metadata.user_id (Messages API reference)
                case "metadata" -> {
                    if (endpoint == Endpoint.MESSAGES && v == JsonToken.START_OBJECT) {
                        metadataUser(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "stream" -> stream = v == JsonToken.VALUE_TRUE;
                case "max_completion_tokens" -> maxCompletionTokens = cap(p, v);
                case "max_tokens" -> maxTokens = cap(p, v);
                case "max_output_tokens" -> maxOutputTokens = cap(p, v);
                case "n" -> n = cap(p, v);
                case "best_of" -> bestOf = cap(p, v);
                case "stream_options" -> streamOptions(p, v);
                case "service_tier" -> serviceTier = v == JsonToken.VALUE_STRING ? capped(p) : null;
                case "size" -> size = v == JsonToken.VALUE_STRING ? capped(p) : null;
                case "quality" -> quality = v == JsonToken.VALUE_STRING ? capped(p) : null;
                case "max_tool_calls" -> maxToolCalls = cap(p, v);
                case "tools" -> webSearchTool = tools(p, v);
                case "input" -> {
                    if (endpoint == Endpoint.AUDIO_SPEECH && v == JsonToken.VALUE_STRING) {
                        characters = Character.codePointCount(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
            JsonToken at = p.currentToken();
            if (at == JsonToken.START_OBJECT || at == JsonToken.START_ARRAY) {
                // a field read as a scalar (model, user, stream, max_tokens…) that holds an object or array: its
                // nested fields are not top-level fields (a nested "stream": true must not ask for usage injection)
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new JsonParseException(p, "unterminated object");
        }
        object = true;
        if (objectStart < 0) {
            clearOffsets();
        }
    }

    private void model(@Nullable String m) {
        if (modelSeen && otherModel == null && !Objects.equals(m, model)) {
            otherModel = model == null ? "(not a string)" : model;
        }
        modelSeen = true;
        model = m;
    }

    private void metadataUser(JsonParser p) throws IOException {
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("user_id") && v == JsonToken.VALUE_STRING) {
                user = capped(p);
            } else {
                p.skipChildren();
            }
        }
    }

    private void streamOptions(JsonParser p, JsonToken v) throws IOException {
        includeUsage = false;
        usageStart = usageEnd = -1;
        optionsStart = byteOffset(p.currentTokenLocation());
        optionsObject = v == JsonToken.START_OBJECT;
        if (!optionsObject) {
            optionsEnd = valueEnd(p, v, optionsStart);
            return;
        }
        JsonToken t = p.nextToken();
        optionsEmpty = t == JsonToken.END_OBJECT;
        for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken u = p.nextToken();
            if (name.equals("include_usage")) {
                includeUsage = u == JsonToken.VALUE_TRUE;
                usageStart = byteOffset(p.currentTokenLocation());
                usageEnd = valueEnd(p, u, usageStart);
            } else {
                p.skipChildren();
            }
        }
        optionsEnd = byteOffset(p.currentLocation());
    }

    /** Consumes the current value and returns the offset just past it. */
    private static int valueEnd(JsonParser p, JsonToken v, int start) throws IOException {
        switch (v) {
            case VALUE_TRUE, VALUE_NULL -> {
                return start < 0 ? -1 : start + 4;
            }
            case VALUE_FALSE -> {
                return start < 0 ? -1 : start + 5;
            }
            case VALUE_STRING -> p.finishToken();
            default -> p.skipChildren();
        }
        // after a string, object or array Jackson has read exactly up to its last byte
        return byteOffset(p.currentLocation());
    }

    private static int byteOffset(JsonLocation location) {
        long at = location.getByteOffset();
        return at < 0 || at > Integer.MAX_VALUE ? -1 : (int) at;
    }

    /** The current string, at most 128 characters, a surrogate pair never cut in half. */
    private static String capped(JsonParser p) throws IOException {
        int n = p.getTextLength();
        if (n <= FieldCap.MAX_CHARS) {
            return p.getText();
        }
        char[] chars = p.getTextCharacters();
        int from = p.getTextOffset();
        return new String(chars, from, FieldCap.cut(CharBuffer.wrap(chars), from));
    }

    private void clear() {
        object = false;
        model = null;
        otherModel = null;
        modelSeen = false;
        user = null;
        serviceTier = null;
        size = null;
        quality = null;
        characters = 0;
        maxToolCalls = -1;
        webSearchTool = false;
        stream = false;
        includeUsage = false;
        maxCompletionTokens = maxTokens = maxOutputTokens = n = bestOf = -1;
        clearOffsets();
    }

    private void clearOffsets() {
        objectStart = optionsStart = optionsEnd = usageStart = usageEnd = -1;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

package tollgate.metering.usage;

import static tollgate.metering.usage.JsonMappers.object;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads the JSON of one streamed event: a Chat Completions or Completions chunk, or a Responses API event,
 * keeping the model, the usage, an error code and the text streamed so far.
 *
 * <p>Each event is read in one pass of Jackson's blocking parser over the decoder's bytes: the model is compared in
 * place and becomes a String only when it changes, delta text is appended from the parser's characters, and
 * everything else is skipped without being decoded, so an ordinary chunk costs a parser (~0.8 KB) but no String and
 * no tree (bench/RESULTS.md, item 4). A per-thread non-blocking parser ({@link SmallValueParser}) would cost no parser,
 * but measured 2.5 times the CPU per chunk, as it decodes every string it passes. Only the rare parts are trees: an
 * {@code error} object, and {@code error} events.
 */
final class StreamEventReader implements EventReader {
    /** Enough text for any estimate (4M chars is some 1M tokens); past it only a flag is kept. */
    static final int MAX_TEXT_CHARS = 4 << 20;

    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
    /** The Responses output item of one web search the model ran (billed per call, SPEC 12). */
    static final String WEB_SEARCH_CALL = "web_search_call";

    private @Nullable String model;
    private @Nullable String serviceTier;
    private long webSearchCalls;
    private @Nullable Usage usage;
    private @Nullable String errorCode;
    private boolean completed;
    private final StreamedText text = new StreamedText();
    private long malformedEvents;

    // what one event said, applied once its kind is known (a "type" may follow the fields it governs)
    private int type;
    private @Nullable String eventModel;
    private boolean sawModel;
    private @Nullable String eventTier;
    private @Nullable String responseTier;
    private boolean webSearchItem;
    private @Nullable Usage eventUsage;
    private @Nullable JsonNode eventError;
    private int choices;
    private @Nullable String laterDelta;
    private @Nullable String responseModel;
    private boolean sawResponseModel;
    private @Nullable Usage responseUsage;
    private @Nullable JsonNode responseError;
    private int choicesTextFrom;
    private int choicesTextTo;

    /**
     * Reads one event's data, {@code data[offset, offset + length)} as UTF-8.
     *
     * @return true when the event is a usage-only chunk: {@code "choices":[]} with a usage object
     */
    @Override
    public boolean read(@Nullable String eventName, byte[] data, int offset, int length) {
        if (isDone(data, offset, length)) {
            // the terminator of Chat Completions and Completions streams (API reference, "stream")
            completed = true;
            return false;
        }
        startEvent(eventName);
        boolean done = false;
        try (JsonParser p = JsonMappers.RESPONSE.getFactory().createParser(data, offset, length)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                readEvent(p);
                done = true;
            }
        } catch (IOException e) {
            // malformed, or cut short: the tree reading below tells which, as it always did
        } catch (RuntimeException e) {
            text.rollBack();
            throw e;
        }
        if (!done) {
            text.rollBack();
            return readTree(data, offset, length);
        }
        return endEvent(data, offset, length);
    }

    /** Reads one event's data given as a String (tests). */
    boolean read(@Nullable String eventName, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return read(eventName, bytes, 0, bytes.length);
    }

    private static boolean isDone(byte[] a, int offset, int length) {
        int from = offset;
        int to = offset + length;
        while (from < to && Character.isWhitespace(a[from])) {
            from++;
        }
        while (to > from && Character.isWhitespace(a[to - 1])) {
            to--;
        }
        return Arrays.equals(a, from, to, DONE, 0, DONE.length);
    }

    private void startEvent(@Nullable String eventName) {
        type = eventName == null ? EventType.CHUNK : EventType.of(eventName);
        eventModel = null;
        sawModel = false;
        eventTier = null;
        responseTier = null;
        webSearchItem = false;
        eventUsage = null;
        eventError = null;
        choices = -1;
        choicesTextFrom = choicesTextTo = 0;
        laterDelta = null;
        responseModel = null;
        sawResponseModel = false;
        responseUsage = null;
        responseError = null;
        text.mark();
    }

    private void readEvent(JsonParser p) throws IOException {
        boolean sawType = false;
        for (JsonToken t = next(p); t == JsonToken.FIELD_NAME; t = next(p)) {
            String name = p.currentName();
            JsonToken v = next(p);
            switch (name) {
                case "type" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        type = EventType.of(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        sawType = true;
                    }
                }
                case "model" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        eventModel = changedModel(p);
                        sawModel = true;
                    }
                }
                case "usage" -> eventUsage = usage(p, v);
                case "service_tier" -> eventTier = v == JsonToken.VALUE_STRING ? changed(p, serviceTier) : skipTier(p);
                case "error" -> eventError = v == JsonToken.START_OBJECT ? JsonMappers.RESPONSE.readTree(p) : skip(p);
                case "choices" -> {
                    if (v != JsonToken.START_ARRAY || (sawType && type != EventType.CHUNK)) {
                        choices = skipCount(p);
                    } else {
                        choicesTextFrom = text.length();
                        choices = readChoices(p);
                        choicesTextTo = text.length();
                    }
                }
                case "delta" -> {
                    if (v != JsonToken.VALUE_STRING) {
                        p.skipChildren();
                    } else if (sawType) {
                        if (EventType.isDelta(type)) {
                            text.append(p);
                        }
                    } else {
                        laterDelta = p.getText();
                    }
                }
                case "response" -> {
                    if (v == JsonToken.START_OBJECT) {
                        readResponse(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "item" -> {
                    if (v == JsonToken.START_OBJECT) {
                        webSearchItem = isWebSearchCall(p);
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    /** Whether the output item at the parser ({@code START_OBJECT}) is a {@code web_search_call}; read to its end. */
    private static boolean isWebSearchCall(JsonParser p) throws IOException {
        boolean found = false;
        for (JsonToken f = next(p); f == JsonToken.FIELD_NAME; f = next(p)) {
            String name = p.currentName();
            JsonToken v = next(p);
            if (name.equals("type") && v == JsonToken.VALUE_STRING) {
                found = TextChars.equals(WEB_SEARCH_CALL, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            } else {
                p.skipChildren();
            }
        }
        return found;
    }

    private int readChoices(JsonParser p) throws IOException {
        int n = 0;
        for (JsonToken t = next(p); t != JsonToken.END_ARRAY; t = next(p)) {
            n++;
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            for (JsonToken f = next(p); f == JsonToken.FIELD_NAME; f = next(p)) {
                String name = p.currentName();
                JsonToken v = next(p);
                if (name.equals("text")) {
                    appendIfText(p, v);
                } else if (name.equals("delta") && v == JsonToken.START_OBJECT) {
                    readDelta(p);
                } else {
                    p.skipChildren();
                }
            }
        }
        return n;
    }

    private void readDelta(JsonParser p) throws IOException {
        for (JsonToken f = next(p); f == JsonToken.FIELD_NAME; f = next(p)) {
            String name = p.currentName();
            JsonToken v = next(p);
            switch (name) {
                case "content", "refusal", "reasoning_content" -> appendIfText(p, v);
                case "function_call" -> {
                    if (v == JsonToken.START_OBJECT) {
                        readArguments(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "tool_calls" -> {
                    if (v == JsonToken.START_ARRAY) {
                        for (JsonToken c = next(p); c != JsonToken.END_ARRAY; c = next(p)) {
                            if (c == JsonToken.START_OBJECT) {
                                readToolCall(p);
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
    }

    private void readToolCall(JsonParser p) throws IOException {
        for (JsonToken f = next(p); f == JsonToken.FIELD_NAME; f = next(p)) {
            String name = p.currentName();
            if (next(p) == JsonToken.START_OBJECT && name.equals("function")) {
                readArguments(p);
            } else {
                p.skipChildren();
            }
        }
    }

    private void readArguments(JsonParser p) throws IOException {
        for (JsonToken f = next(p); f == JsonToken.FIELD_NAME; f = next(p)) {
            String name = p.currentName();
            JsonToken v = next(p);
            if (name.equals("arguments")) {
                appendIfText(p, v);
            } else {
                p.skipChildren();
            }
        }
    }

    /** The {@code response} object of Responses lifecycle events: model, usage, error. */
    private void readResponse(JsonParser p) throws IOException {
        for (JsonToken f = next(p); f == JsonToken.FIELD_NAME; f = next(p)) {
            String name = p.currentName();
            JsonToken v = next(p);
            switch (name) {
                case "model" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        responseModel = changedModel(p);
                        sawResponseModel = true;
                    }
                }
                case "usage" -> responseUsage = usage(p, v);
                case "service_tier" -> responseTier = v == JsonToken.VALUE_STRING ? changed(p, serviceTier) : skipTier(p);
                case "error" -> responseError = v == JsonToken.START_OBJECT ? JsonMappers.RESPONSE.readTree(p) : skip(p);
                default -> p.skipChildren();
            }
        }
    }

    private boolean endEvent(byte[] data, int offset, int length) {
        if (type == EventType.CHUNK) {
            applyModel(eventModel, sawModel);
            if (eventTier != null) {
                serviceTier = eventTier;
            }
            if (eventError != null) {
                errorCode = ResponseMeter.errorCodeOf(eventError);
            }
            if (eventUsage != null) {
                usage = eventUsage;
            }
            // with stream_options.include_usage the last chunk has an empty choices array and the usage (API reference)
            return eventUsage != null && choices == 0;
        }
        if (choicesTextTo > choicesTextFrom) {
            // a Responses event whose type came after a choices array: those are not its text
            text.delete(choicesTextFrom, choicesTextTo);
        }
        if (EventType.isDelta(type) && laterDelta != null) {
            text.append(laterDelta);
        }
        if (type == EventType.ITEM_DONE && webSearchItem) {
            // each output item is done once; response.completed repeats them all, so only these are counted
            webSearchCalls++;
        }
        if (type == EventType.LIFECYCLE || type == EventType.TERMINAL) {
            applyModel(responseModel, sawResponseModel);
            if (responseTier != null) {
                // response.created echoes the request's tier ("auto"); response.completed names the one billed
                serviceTier = responseTier;
            }
            if (responseUsage != null) {
                usage = responseUsage;
            }
            if (responseError != null) {
                errorCode = ResponseMeter.errorCodeOf(responseError);
            }
            completed |= type == EventType.TERMINAL;
        } else if (type == EventType.ERROR) {
            // rare: the code may sit at the top level or in a nested error object; read it from a tree
            readTree(data, offset, length);
        }
        return false;
    }

    /** The old way, for what the single pass does not settle: not an object, malformed, or an error event. */
    private boolean readTree(byte[] data, int offset, int length) {
        JsonNode root;
        try {
            root = JsonMappers.RESPONSE.readTree(data, offset, length);
        } catch (IOException e) {
            malformedEvents++;
            return false;
        }
        if (root == null || !root.isObject()) {
            return false;
        }
        JsonNode nested = object(root, "error");
        errorCode = ResponseMeter.errorCodeOf(nested != null ? nested : root);
        return false;
    }

    private void applyModel(@Nullable String changed, boolean seen) {
        if (seen && changed != null) {
            model = changed;
        }
    }

    /**
     * The model, cut at 128 characters (SPEC 4), when it is not empty and differs from the one kept; null when it is
     * the same, so a stream makes its model String once.
     */
    private @Nullable String changedModel(JsonParser p) throws IOException {
        return changed(p, model);
    }

    /** The current string, cut at 128 characters, when not empty and different from {@code kept}; else null. */
    static @Nullable String changed(JsonParser p, @Nullable String kept) throws IOException {
        int n = p.getTextLength();
        if (n == 0) {
            return null;
        }
        char[] c = p.getTextCharacters();
        int o = p.getTextOffset();
        if (n > FieldCap.MAX_CHARS) {
            n = FieldCap.cut(CharBuffer.wrap(c), o);
        }
        String m = kept;
        if (m != null && m.length() == n) {
            int i = 0;
            while (i < n && c[o + i] == m.charAt(i)) {
                i++;
            }
            if (i == n) {
                return null;
            }
        }
        return new String(c, o, n);
    }

    /** The next token; the whole event was fed, so running out of input means it was cut short. */
    static JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null || t == JsonToken.NOT_AVAILABLE) {
            throw new JsonEOFException(p, t, "event data ends inside a JSON value");
        }
        return t;
    }

    private static @Nullable Usage usage(JsonParser p, JsonToken v) throws IOException {
        Usage u = UsageParser.parse(p);
        if (p.currentToken() != JsonToken.END_OBJECT && v == JsonToken.START_OBJECT) {
            throw new JsonEOFException(p, p.currentToken(), "event data ends inside its usage");
        }
        return u;
    }

    private static @Nullable JsonNode skip(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    private static @Nullable String skipTier(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    private static int skipCount(JsonParser p) throws IOException {
        p.skipChildren();
        return -1;
    }

    private void appendIfText(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            text.append(p);
        } else {
            p.skipChildren();
        }
    }

    @Override
    public @Nullable String model() {
        return model;
    }

    @Override
    public @Nullable Usage usage() {
        return usage;
    }

    @Override
    public @Nullable String serviceTier() {
        return serviceTier;
    }

    @Override
    public long webSearchCalls() {
        return webSearchCalls;
    }

    @Override
    public @Nullable String errorCode() {
        return errorCode;
    }

    @Override
    public boolean completed() {
        return completed;
    }

    @Override
    public String streamedText() {
        return text.toString();
    }

    @Override
    public boolean textTruncated() {
        return text.truncated();
    }

    @Override
    public long malformedEvents() {
        return malformedEvents;
    }

    /** The kinds of event the reader tells apart, from the {@code type} field or else the SSE event name. */
    static final class EventType {
        static final int CHUNK = 0;
        static final int DELTA = 1;
        static final int LIFECYCLE = 2;
        static final int TERMINAL = 3;
        static final int ERROR = 4;
        static final int OTHER_RESPONSES = 5;
        static final int ITEM_DONE = 6;

        private static final String RESPONSE_PREFIX = "response.";
        private static final String[] NAMES = {
            "response.output_text.delta", "response.refusal.delta", "response.function_call_arguments.delta",
            "response.custom_tool_call_input.delta", "response.reasoning_text.delta",
            "response.created", "response.in_progress", "response.queued",
            "response.completed", "response.incomplete", "response.failed",
            "error", "response.output_item.done"};
        private static final int[] TYPES = {
            DELTA, DELTA, DELTA, DELTA, DELTA, LIFECYCLE, LIFECYCLE, LIFECYCLE, TERMINAL, TERMINAL, TERMINAL, ERROR,
            ITEM_DONE};

        private EventType() {
        }

        static boolean isDelta(int type) {
            return type == DELTA;
        }

        static int of(String name) {
            for (int i = 0; i < NAMES.length; i++) {
                if (NAMES[i].equals(name)) {
                    return TYPES[i];
                }
            }
            return name.startsWith(RESPONSE_PREFIX) ? OTHER_RESPONSES : CHUNK;
        }

        static int of(char[] c, int offset, int length) {
            for (int i = 0; i < NAMES.length; i++) {
                if (TextChars.equals(NAMES[i], c, offset, length)) {
                    return TYPES[i];
                }
            }
            if (length >= RESPONSE_PREFIX.length()
                    && TextChars.equals(RESPONSE_PREFIX, c, offset, RESPONSE_PREFIX.length())) {
                return OTHER_RESPONSES;
            }
            return CHUNK;
        }
    }
}

package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Reads the events of an Anthropic Messages stream (SPEC 13), keeping the model, the usage, an error and the text
 * streamed so far.
 *
 * <pre>
 * message_start        message.model; message.usage: input, cache read, cache writes (5 m / 1 h), output so far
 * content_block_delta  delta.text | delta.partial_json | delta.thinking        → streamed text, for estimates
 * message_delta        usage: cumulative counts, each one given replaces the one kept
 * message_stop         the stream is complete
 * error                error.type
 * </pre>
 *
 * <p>Anthropic's streaming docs: "The token counts shown in the usage field of the message_delta event are
 * cumulative"; a {@code message_delta} may repeat the input and cache counts or leave them out, so each count is
 * kept apart and the last one given wins. Each event is read in one pass of Jackson's parser over the decoder's
 * bytes, like {@link StreamEventReader}: no tree and no String per event (the model becomes a String once).
 */
final class MessageEventReader implements EventReader {
    private static final long ABSENT = -1;
    private static final int INPUT = 0;
    private static final int OUTPUT = 1;
    private static final int CACHE_READ = 2;
    private static final int CACHE_CREATION = 3;
    private static final int CACHE_1H = 4;
    private static final int WEB_SEARCH = 5;

    private static final int OTHER = 0;
    private static final int MESSAGE_START = 1;
    private static final int MESSAGE_DELTA = 2;
    private static final int MESSAGE_STOP = 3;
    private static final int ERROR = 4;

    /** The counts kept, by the indexes above; ABSENT until an event gives one. */
    private final long[] counts = absent();
    /** What the event being read gives, applied once it was read whole. */
    private final long[] eventCounts = absent();
    private @Nullable String model;
    private @Nullable String eventModel;
    private @Nullable String errorCode;
    private @Nullable String eventError;
    private boolean completed;
    private final StreamedText text = new StreamedText();
    private long malformedEvents;

    @Override
    public boolean read(@Nullable String eventName, byte[] data, int offset, int length) {
        Arrays.fill(eventCounts, ABSENT);
        eventModel = null;
        eventError = null;
        text.mark();
        int kind = OTHER;
        try (JsonParser p = JsonMappers.RESPONSE.getFactory().createParser(data, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                malformedEvents++;
                return false;
            }
            kind = readEvent(p);
        } catch (IOException e) {
            // malformed, or cut short: nothing of it counts
            text.rollBack();
            malformedEvents++;
            return false;
        } catch (RuntimeException e) {
            text.rollBack();
            throw e;
        }
        switch (kind) {
            case MESSAGE_START, MESSAGE_DELTA -> {
                for (int i = 0; i < counts.length; i++) {
                    if (eventCounts[i] != ABSENT) {
                        counts[i] = eventCounts[i];
                    }
                }
                if (eventModel != null) {
                    model = eventModel;
                }
            }
            case MESSAGE_STOP -> completed = true;
            case ERROR -> errorCode = eventError != null ? eventError : "error";
            default -> {
            }
        }
        return false;
    }

    private int readEvent(JsonParser p) throws IOException {
        int kind = OTHER;
        for (JsonToken t = StreamEventReader.next(p); t == JsonToken.FIELD_NAME; t = StreamEventReader.next(p)) {
            String name = p.currentName();
            JsonToken v = StreamEventReader.next(p);
            switch (name) {
                case "type" -> kind = v == JsonToken.VALUE_STRING ? kind(p) : skip(p, OTHER);
                case "message" -> {
                    if (v == JsonToken.START_OBJECT) {
                        readMessage(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "usage" -> readUsage(p, v);
                case "delta" -> {
                    if (v == JsonToken.START_OBJECT) {
                        readDelta(p);
                    } else {
                        p.skipChildren();
                    }
                }
                case "error" -> eventError = v == JsonToken.START_OBJECT ? errorType(p) : skipText(p);
                default -> p.skipChildren();
            }
        }
        return kind;
    }

    private static int kind(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int o = p.getTextOffset();
        int n = p.getTextLength();
        if (TextChars.equals("message_start", c, o, n)) {
            return MESSAGE_START;
        }
        if (TextChars.equals("message_delta", c, o, n)) {
            return MESSAGE_DELTA;
        }
        if (TextChars.equals("message_stop", c, o, n)) {
            return MESSAGE_STOP;
        }
        return TextChars.equals("error", c, o, n) ? ERROR : OTHER;
    }

    private void readMessage(JsonParser p) throws IOException {
        for (JsonToken f = StreamEventReader.next(p); f == JsonToken.FIELD_NAME; f = StreamEventReader.next(p)) {
            String name = p.currentName();
            JsonToken v = StreamEventReader.next(p);
            if (name.equals("model") && v == JsonToken.VALUE_STRING) {
                eventModel = StreamEventReader.changed(p, model);
            } else if (name.equals("usage")) {
                readUsage(p, v);
            } else {
                p.skipChildren();
            }
        }
    }

    /** A usage object's counts, Anthropic's names ({@code input_tokens} is the input besides cache reads and writes). */
    private void readUsage(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        for (JsonToken f = StreamEventReader.next(p); f == JsonToken.FIELD_NAME; f = StreamEventReader.next(p)) {
            String name = p.currentName();
            JsonToken value = StreamEventReader.next(p);
            switch (name) {
                case "input_tokens" -> eventCounts[INPUT] = JsonMappers.count(p, value);
                case "output_tokens" -> eventCounts[OUTPUT] = JsonMappers.count(p, value);
                case "cache_read_input_tokens" -> eventCounts[CACHE_READ] = JsonMappers.count(p, value);
                case "cache_creation_input_tokens" -> eventCounts[CACHE_CREATION] = JsonMappers.count(p, value);
                case "server_tool_use" -> eventCounts[WEB_SEARCH] = UsageParser.webSearchRequests(p, value);
                case "cache_creation" -> eventCounts[CACHE_1H] = UsageParser.oneHourWrites(p, value);
                default -> p.skipChildren();
            }
        }
    }

    /** A content block's delta: its text, a tool call's JSON as it streams, or thinking; signatures are not text. */
    private void readDelta(JsonParser p) throws IOException {
        for (JsonToken f = StreamEventReader.next(p); f == JsonToken.FIELD_NAME; f = StreamEventReader.next(p)) {
            String name = p.currentName();
            JsonToken v = StreamEventReader.next(p);
            if (v == JsonToken.VALUE_STRING
                    && (name.equals("text") || name.equals("partial_json") || name.equals("thinking"))) {
                text.append(p);
            } else {
                p.skipChildren();
            }
        }
    }

    private static @Nullable String errorType(JsonParser p) throws IOException {
        String type = null;
        for (JsonToken f = StreamEventReader.next(p); f == JsonToken.FIELD_NAME; f = StreamEventReader.next(p)) {
            String name = p.currentName();
            JsonToken v = StreamEventReader.next(p);
            if (name.equals("type") && v == JsonToken.VALUE_STRING) {
                type = FieldCap.cap(p.getText());
            } else {
                p.skipChildren();
            }
        }
        return type;
    }

    private static int skip(JsonParser p, int kind) throws IOException {
        p.skipChildren();
        return kind;
    }

    private static @Nullable String skipText(JsonParser p) throws IOException {
        p.skipChildren();
        return null;
    }

    private static long[] absent() {
        long[] a = new long[6];
        Arrays.fill(a, ABSENT);
        return a;
    }

    private static long orZero(long v) {
        return v == ABSENT ? 0 : v;
    }

    @Override
    public @Nullable String model() {
        return model;
    }

    /**
     * The usage in SPEC 5's terms: input counts cache reads and writes too (Anthropic's {@code input_tokens} does
     * not: prompt caching docs, "Tracking cache performance"); null before any count arrived.
     */
    @Override
    public @Nullable Usage usage() {
        long[] c = counts;
        if (c[INPUT] == ABSENT && c[OUTPUT] == ABSENT && c[CACHE_READ] == ABSENT && c[CACHE_CREATION] == ABSENT) {
            return null;
        }
        long read = orZero(c[CACHE_READ]);
        long written = orZero(c[CACHE_CREATION]);
        long in = saturatedAdd(saturatedAdd(orZero(c[INPUT]), read), written);
        return new Usage(in, read, orZero(c[OUTPUT]), 0, written, 0, 0, 0, 0, Math.min(orZero(c[CACHE_1H]), written),
                null, orZero(c[WEB_SEARCH]));
    }

    /** The output tokens the last {@code message_delta} (or {@code message_start}) reported; 0 when none did. */
    long reportedOutputTokens() {
        return orZero(counts[OUTPUT]);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    @Override
    public @Nullable String serviceTier() {
        // usage.service_tier names Anthropic's tiers ("standard", "priority", "batch"), not priced in the table
        return null;
    }

    @Override
    public long webSearchCalls() {
        // server_tool_use.web_search_requests, cumulative like the token counts: the last one given
        return orZero(counts[WEB_SEARCH]);
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
}

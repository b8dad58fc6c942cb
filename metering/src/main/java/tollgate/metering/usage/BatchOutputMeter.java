package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Meters a Batch API output file as it is downloaded ({@code GET /v1/files/{id}/content}, SPEC 12), or the results of
 * an Anthropic Message Batch ({@code GET /v1/messages/batches/{id}/results}): each JSONL line as its bytes pass, one
 * {@link Result} per line handed to the sink the moment the line is whole. Never the file: only the line being read
 * is held, up to {@code maxLineBytes}; a longer line is counted as unparsed and its bytes are dropped, not kept.
 *
 * <pre>
 * {"id":"batch_req_…","custom_id":"…","response":{"status_code":200,"request_id":"…","body":{…usage…}},"error":null}
 * {"custom_id":"…","result":{"type":"succeeded","message":{"id":"msg_…","model":"claude-…","usage":{…}}}}
 * </pre>
 *
 * <p>An Anthropic result of any other type ({@code errored}, {@code canceled}, {@code expired}) ran nothing billed and
 * makes no result, as an OpenAI line whose {@code response} is null.
 *
 * <p>The first line read decides: a file whose first line is no such result (an uploaded input file, whose lines carry
 * {@code method}, {@code url} and {@code body} instead, or any other file) makes no results, and the meter reads
 * nothing more of it. In an output file, a line that is not such a result (not JSON, or cut) is skipped and counted
 * ({@link #unparsedLines()}), and the rest is still read. A line whose {@code response} is null (an error file's:
 * the request never ran, so nothing was billed) makes no result. One meter per download, used from one thread.
 */
public final class BatchOutputMeter {
    /** The longest line read, as the longest stream event ({@code SseDecoder}): a batch result is one answer. */
    public static final int DEFAULT_MAX_LINE_BYTES = 8 << 20;
    private static final int INITIAL_BYTES = 4 * 1024;
    /** After a line longer than this, the line buffer goes back to its first size (bounded memory per download). */
    private static final int KEEP_BYTES = 64 * 1024;
    private static final String FILES = "/v1/files/";
    private static final String CONTENT = "/content";
    private static final String MESSAGE_BATCHES = "/v1/messages/batches/";
    private static final String RESULTS = "/results";

    /**
     * One result line, metered.
     *
     * @param customId the line's {@code custom_id}, cut at 128 characters (SPEC 4)
     * @param requestId the upstream's {@code request_id} of the result, else the line's {@code id}
     * @param endpoint the API the result is an answer of (its body's {@code object}); {@link Endpoint#OTHER} when that is
     *     not known or the body carries no usage (recorded unpriced, never estimated: there is no prompt to count)
     * @param meter the result's body as read, ended; its service tier is {@code batch}
     * @param index the result's place among the file's results, from 0 (the same in every download of the file)
     */
    public record Result(@Nullable String customId, @Nullable String requestId, Endpoint endpoint, ResponseMeter meter,
            long index) {}

    private enum State { UNDECIDED, BATCH, NOT_BATCH }

    private final Consumer<Result> sink;
    private final int maxLineBytes;
    private byte[] line = new byte[INITIAL_BYTES];
    private int length;
    private boolean overflowing;
    private State state = State.UNDECIDED;
    private long results;
    private long unparsed;

    public BatchOutputMeter(Consumer<Result> sink) {
        this(sink, DEFAULT_MAX_LINE_BYTES);
    }

    public BatchOutputMeter(Consumer<Result> sink, int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes: " + maxLineBytes + " (expected: >= 1)");
        }
        this.sink = sink;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * What {@code path} (query removed) downloads, when it is batch results: the file id of {@code
     * /v1/files/{id}/content} (an OpenAI output file, or any file), or the batch id of {@code
     * /v1/messages/batches/{id}/results} (an Anthropic Message Batch's results); else null.
     */
    public static @Nullable String downloadId(String path) {
        String id = segment(path, FILES, CONTENT);
        return id != null ? id : segment(path, MESSAGE_BATCHES, RESULTS);
    }

    /** The one path segment between {@code prefix} and {@code suffix}, when {@code path} is that; else null. */
    private static @Nullable String segment(String path, String prefix, String suffix) {
        if (!path.startsWith(prefix) || !path.endsWith(suffix)) {
            return null;
        }
        int idEnd = path.length() - suffix.length();
        return idEnd > prefix.length() && path.indexOf('/', prefix.length()) == idEnd
                ? path.substring(prefix.length(), idEnd) : null;
    }

    /** Reads the bytes from {@code buf.position()} to its limit; the buffer itself is left as it was. */
    public void onBytes(ByteBuffer buf) {
        int to = buf.limit();
        for (int i = buf.position(); i < to && state != State.NOT_BATCH; i++) {
            byte b = buf.get(i);
            if (b == '\n') {
                endOfLine();
            } else if (!overflowing) {
                append(b);
            }
        }
    }

    /** The file ended: a last line without its newline is read too. */
    public void onEnd() {
        if (state != State.NOT_BATCH && (length > 0 || overflowing)) {
            endOfLine();
        }
        line = new byte[0];
    }

    /** The results handed to the sink so far. */
    public long results() {
        return results;
    }

    /** Lines of an output file that could not be read (not JSON, not a result, or longer than the cap). */
    public long unparsedLines() {
        return state == State.BATCH ? unparsed : 0;
    }

    /** The bytes the meter holds for the line being read (its buffer's size): at most the line cap. */
    int heldBytes() {
        return line.length;
    }

    /** True once the file is known not to be a batch output file: nothing of it is read any more. */
    public boolean notBatchOutput() {
        return state == State.NOT_BATCH;
    }

    private void append(byte b) {
        if (length == line.length) {
            if (length >= maxLineBytes) {
                // too long to be read: counted when it ends, its bytes dropped as they come
                overflowing = true;
                length = 0;
                return;
            }
            byte[] grown = new byte[(int) Math.min(maxLineBytes, 2L * line.length)];
            System.arraycopy(line, 0, grown, 0, length);
            line = grown;
        }
        line[length++] = b;
    }

    private void endOfLine() {
        if (overflowing) {
            overflowing = false;
            unparsed++;
        } else {
            int n = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            if (n > 0 && !blank(n)) {
                line(n);
            }
        }
        length = 0;
        if (line.length > KEEP_BYTES) {
            line = new byte[INITIAL_BYTES];
        }
    }

    private boolean blank(int n) {
        for (int i = 0; i < n; i++) {
            byte b = line[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private void line(int n) {
        Parsed p = parse(line, n);
        if (p == null) {
            if (state == State.UNDECIDED) {
                state = State.NOT_BATCH;
                line = new byte[0];
            } else {
                unparsed++;
            }
            return;
        }
        state = State.BATCH;
        if (p.bodyEnd > p.bodyStart) {
            ResponseMeter m = ResponseMeter.batchResult(p.endpoint, p.status);
            m.onBytes(ByteBuffer.wrap(line, p.bodyStart, p.bodyEnd - p.bodyStart));
            m.onEnd();
            Endpoint e = m.usage() == null ? Endpoint.OTHER : p.endpoint;
            sink.accept(new Result(p.customId, p.requestId != null ? p.requestId : p.id, e, m, results++));
        }
    }

    /** What a result line says; {@code bodyEnd == bodyStart} for a line whose {@code response} is null. */
    private static final class Parsed {
        @Nullable String id;
        @Nullable String customId;
        @Nullable String requestId;
        int status;
        Endpoint endpoint = Endpoint.OTHER;
        int bodyStart;
        int bodyEnd;
        boolean hasCustomId;
        boolean hasResponse;
    }

    /** The line as a result, or null when it is not one (not a JSON object with {@code custom_id} and {@code response}). */
    private static @Nullable Parsed parse(byte[] bytes, int n) {
        Parsed r = new Parsed();
        try (JsonParser p = JsonMappers.RESPONSE.createParser(bytes, 0, n)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "id" -> r.id = string(p, v);
                    case "custom_id" -> {
                        r.hasCustomId = true;
                        r.customId = string(p, v);
                    }
                    case "response" -> {
                        r.hasResponse = v == JsonToken.START_OBJECT || v == JsonToken.VALUE_NULL;
                        if (v == JsonToken.START_OBJECT) {
                            response(p, r);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "result" -> {
                        r.hasResponse = v == JsonToken.START_OBJECT;
                        if (v == JsonToken.START_OBJECT) {
                            result(p, r);
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return r.hasCustomId && r.hasResponse ? r : null;
    }

    private static void response(JsonParser p, Parsed r) throws IOException {
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "status_code" -> r.status = v == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
                case "request_id" -> r.requestId = string(p, v);
                case "body" -> {
                    if (v != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    r.endpoint = body(p);
                    r.bodyStart = start;
                    r.bodyEnd = (int) p.currentLocation().getByteOffset();
                }
                default -> p.skipChildren();
            }
        }
    }

    /**
     * An Anthropic result: a {@code succeeded} one's {@code message} is the body (a Messages answer, status 200);
     * any other type names no body, so it makes no result. The message's place is kept whatever the fields' order.
     */
    private static void result(JsonParser p, Parsed r) throws IOException {
        String type = null;
        int start = 0;
        int end = 0;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("type") && v == JsonToken.VALUE_STRING) {
                type = p.getText();
            } else if (name.equals("message") && v == JsonToken.START_OBJECT) {
                start = (int) p.currentTokenLocation().getByteOffset();
                // its top-level fields: the message's id names the result (the line has no id of its own)
                for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                    String field = p.currentName();
                    JsonToken fv = p.nextToken();
                    if (field.equals("id")) {
                        r.id = string(p, fv);
                    } else {
                        p.skipChildren();
                    }
                }
                end = (int) p.currentLocation().getByteOffset();
            } else {
                p.skipChildren();
            }
        }
        if ("succeeded".equals(type) && end > start) {
            r.status = 200;
            r.endpoint = Endpoint.MESSAGES;
            r.bodyStart = start;
            r.bodyEnd = end;
        }
    }

    /** Reads the body object to its end; the API it answers, by its {@code object}. */
    private static Endpoint body(JsonParser p) throws IOException {
        Endpoint e = Endpoint.OTHER;
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("object") && v == JsonToken.VALUE_STRING) {
                e = switch (p.getText()) {
                    case "chat.completion" -> Endpoint.CHAT_COMPLETIONS;
                    case "text_completion" -> Endpoint.COMPLETIONS;
                    case "response" -> Endpoint.RESPONSES;
                    case "list" -> Endpoint.EMBEDDINGS;
                    default -> Endpoint.OTHER;
                };
            } else {
                p.skipChildren();
            }
        }
        return e;
    }

    private static @Nullable String string(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            p.skipChildren();
            return null;
        }
        return FieldCap.cap(p.getText());
    }
}

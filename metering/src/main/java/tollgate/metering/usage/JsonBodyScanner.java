package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Scans a JSON answer as its bytes arrive, with Jackson's non-blocking parser, keeping only the top-level
 * {@code model} string and the {@code usage} and {@code error} objects: never the whole body.
 */
final class JsonBodyScanner {
    /** usage and error objects are a few dozen tokens; anything far larger is not one of them. */
    private static final int MAX_CAPTURED_TOKENS = 4096;

    private final JsonParser parser;
    private final ByteBufferFeeder feeder;
    private int depth;
    private boolean done;
    private @Nullable String field;
    private @Nullable TokenBuffer capture;
    private @Nullable String captureField;
    private int captureDepth;
    private int capturedTokens;

    private @Nullable String model;
    private @Nullable JsonNode usage;
    private @Nullable JsonNode error;

    JsonBodyScanner() {
        try {
            parser = JsonMappers.RESPONSE.getFactory().createNonBlockingByteBufferParser();
        } catch (IOException e) {
            throw new IllegalStateException("jackson: no non-blocking parser", e);
        }
        feeder = (ByteBufferFeeder) parser.getNonBlockingInputFeeder();
    }

    void feed(ByteBuffer buf) {
        if (done || !buf.hasRemaining()) {
            return;
        }
        try {
            // the parser reads the buffer in place until it asks for more input: give it a view of its own
            feeder.feedInput(buf.duplicate());
            drain();
        } catch (IOException | RuntimeException e) {
            done = true;
        }
        if (done) {
            close();
        }
    }

    /**
     * Closing hands the parser's buffers back to Jackson's recycler and merges its field names into the
     * factory's symbol table; an unclosed parser re-adds every name of every answer (bench/RESULTS.md, item 1).
     */
    private void close() {
        try {
            parser.close();
        } catch (IOException e) {
            // nothing to release beyond what close already did
        }
    }

    void end() {
        if (done) {
            return;
        }
        try {
            feeder.endOfInput();
            drain();
        } catch (IOException | RuntimeException e) {
            // a truncated body: keep what was read
        }
        done = true;
        close();
    }

    @Nullable String model() {
        return model;
    }

    @Nullable JsonNode usage() {
        return usage;
    }

    @Nullable JsonNode error() {
        return error;
    }

    private void drain() throws IOException {
        JsonToken token;
        while (!done && (token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (capture != null) {
                capture(token);
            } else {
                onToken(token);
            }
        }
    }

    private void onToken(JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT, START_ARRAY -> {
                if (depth == 0 && token == JsonToken.START_ARRAY) {
                    done = true;
                } else if (depth == 1 && token == JsonToken.START_OBJECT && isCaptured(field)) {
                    startCapture(field);
                    return;
                }
                depth++;
            }
            case END_OBJECT, END_ARRAY -> {
                depth--;
                if (depth <= 0) {
                    done = true;
                }
            }
            case FIELD_NAME -> {
                if (depth == 1) {
                    field = parser.currentName();
                }
            }
            case VALUE_STRING -> {
                if (depth == 1 && "model".equals(field)) {
                    model = parser.getText();
                } else if (depth == 0) {
                    done = true;
                }
            }
            default -> {
                if (depth == 0) {
                    done = true;
                }
            }
        }
    }

    private static boolean isCaptured(@Nullable String name) {
        return "usage".equals(name) || "error".equals(name);
    }

    private void startCapture(@Nullable String name) throws IOException {
        TokenBuffer buffer = new TokenBuffer(parser, null);
        buffer.copyCurrentEvent(parser);
        capture = buffer;
        captureField = name;
        captureDepth = 1;
        capturedTokens = 1;
    }

    private void capture(JsonToken token) throws IOException {
        TokenBuffer buffer = capture;
        if (buffer == null) {
            return;
        }
        if (token.isStructStart()) {
            captureDepth++;
        } else if (token.isStructEnd()) {
            captureDepth--;
        }
        if (++capturedTokens <= MAX_CAPTURED_TOKENS) {
            buffer.copyCurrentEvent(parser);
        }
        if (captureDepth > 0) {
            return;
        }
        capture = null;
        if (capturedTokens <= MAX_CAPTURED_TOKENS) {
            JsonNode node = JsonMappers.RESPONSE.readTree(buffer.asParser());
            if ("usage".equals(captureField)) {
                usage = node;
            } else {
                error = node;
            }
        }
    }
}

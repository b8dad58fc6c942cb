package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * One Jackson non-blocking parser per thread, fed one whole small JSON value at a time (the {@code usage} object
 * of a JSON answer): between two values it rests between two root values, so any answer on the thread can use it
 * next. A new parser would cost its own objects and buffers (~0.7 KB) every answer; this one costs none once warm.
 * After a value that left it anywhere but between root values it is dropped; every {@value #RENEW_VALUES} values it
 * is closed and renewed, which merges the field names it learned into the factory's table and bounds what an
 * unusual upstream can add to it. Not for large values: it decodes every string it passes.
 */
final class SmallValueParser {
    static final int RENEW_VALUES = 1 << 16;

    private static final ThreadLocal<SmallValueParser> LOCAL = ThreadLocal.withInitial(SmallValueParser::new);

    private @Nullable JsonParser parser;
    private @Nullable ByteArrayFeeder feeder;
    private int values;

    private SmallValueParser() {
    }

    static SmallValueParser local() {
        return LOCAL.get();
    }

    /** The parser with {@code data[offset, offset + length)} as its next input; read it to the end of the root value. */
    JsonParser feed(byte[] data, int offset, int length) {
        JsonParser p = parser;
        ByteArrayFeeder f = feeder;
        if (p == null || f == null || !f.needMoreInput() || ++values > RENEW_VALUES) {
            discard();
            try {
                p = parser = JsonMappers.RESPONSE.getFactory().createNonBlockingByteArrayParser();
            } catch (IOException e) {
                throw new IllegalStateException("jackson: no non-blocking parser", e);
            }
            f = feeder = (ByteArrayFeeder) p.getNonBlockingInputFeeder();
            values = 1;
        }
        try {
            f.feedInput(data, offset, offset + length);
        } catch (IOException e) {
            throw new IllegalStateException("jackson: feeding a parser that needs input", e);
        }
        return p;
    }

    /**
     * Called after the root object's end: consumes what is left of the input (white space) and tells whether the
     * value was whole. What follows a first value is ignored, as Jackson's readTree does; the parser is dropped then.
     */
    boolean finish() {
        JsonParser p = parser;
        if (p == null || p.currentToken() != JsonToken.END_OBJECT || !p.getParsingContext().inRoot()) {
            return false;
        }
        try {
            if (p.nextToken() != JsonToken.NOT_AVAILABLE) {
                discard();
            }
        } catch (IOException e) {
            discard();
        }
        return true;
    }

    /** Drops the parser (closing hands its buffers back to Jackson); the next event gets a new one. */
    void discard() {
        JsonParser p = parser;
        parser = null;
        feeder = null;
        if (p != null) {
            try {
                p.close();
            } catch (IOException e) {
                // nothing to release beyond what close already did
            }
        }
    }
}

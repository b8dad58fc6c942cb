package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** The shared, thread-safe Jackson mappers of the usage package and the few field reads they all need. */
final class JsonMappers {
    /** For answers from the upstream: chunks, events and small sub-objects. */
    static final ObjectMapper RESPONSE = new ObjectMapper();

    /**
     * For request bodies, which may be re-serialized: decimals stay exact ("0.70" stays "0.70"), and strings
     * may be as long as the request (a base64 image); the proxy bounds the body by {@code limits.max_request_bytes}.
     */
    static final ObjectMapper REQUEST = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private JsonMappers() {
    }

    static @Nullable String text(@Nullable JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    /**
     * The current value as a whole, non-negative number (a fraction is cut, a negative reads as 0), or -1 when it is
     * not a number, which is then skipped.
     */
    static long count(JsonParser p, JsonToken value) throws IOException {
        if (!value.isNumeric()) {
            p.skipChildren();
            return -1;
        }
        if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            long v = p.getLongValue();
            return v >= 0 ? v : INVALID_COUNT;
        }
        // 3.5, 1e400, -0.5, 2^70: no count of tokens is written so; never a number a ledger may take
        try {
            long v = p.getDecimalValue().longValueExact();
            return v >= 0 ? v : INVALID_COUNT;
        } catch (ArithmeticException | NumberFormatException notAWholeCount) {
            // NumberFormatException: a tree's double that overflowed to Infinity
            return INVALID_COUNT;
        }
    }

    /**
     * What {@link #count} gives for a number that cannot be a token count (negative, fractional, beyond a long): so
     * large that the recorder's bound ({@code limits.max_usage_tokens}) refuses it.
     */
    static final long INVALID_COUNT = Long.MAX_VALUE;

    static @Nullable JsonNode object(@Nullable JsonNode node, String field) {
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(field);
        return value != null && value.isObject() ? value : null;
    }
}

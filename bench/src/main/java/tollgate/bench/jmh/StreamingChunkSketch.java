package tollgate.bench.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * A sketch, for {@link ChunkParseBenchmark} only: what reading a chat chunk with Jackson's streaming parser, straight
 * from the SSE decoder's bytes, costs next to building a tree from a String (what metering does today). It reads
 * the model, the delta text and the usage counts and skips everything else without materializing it.
 */
final class StreamingChunkSketch {
    private static final JsonFactory FACTORY = new JsonFactory();

    @Nullable String model;
    final StringBuilder text = new StringBuilder(256);
    long promptTokens;
    long completionTokens;
    long cachedTokens;
    long reasoningTokens;
    boolean sawUsage;

    /** @return true for a usage-only chunk ({@code "choices":[]} with a usage object) */
    boolean read(byte[] bytes, int offset, int length) throws IOException {
        try (JsonParser p = FACTORY.createParser(bytes, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            boolean noChoices = false;
            boolean usage = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "model" -> {
                        if (t == JsonToken.VALUE_STRING && model == null) {
                            model = p.getText();
                        }
                    }
                    case "choices" -> noChoices = t == JsonToken.START_ARRAY && readChoices(p) == 0;
                    case "usage" -> {
                        if (t == JsonToken.START_OBJECT) {
                            usage = true;
                            readUsage(p);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            sawUsage |= usage;
            return usage && noChoices;
        }
    }

    private int readChoices(JsonParser p) throws IOException {
        int n = 0;
        while (p.nextToken() == JsonToken.START_OBJECT) {
            n++;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("delta") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        JsonToken v = p.nextToken();
                        if (v == JsonToken.VALUE_STRING && (f.equals("content") || f.equals("refusal"))) {
                            text.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (field.equals("text") && t == JsonToken.VALUE_STRING) {
                    text.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                } else {
                    p.skipChildren();
                }
            }
        }
        return n;
    }

    private void readUsage(JsonParser p) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String d = p.currentName();
                    JsonToken v = p.nextToken();
                    if (v == JsonToken.VALUE_NUMBER_INT && d.equals("cached_tokens")) {
                        cachedTokens = p.getLongValue();
                    } else if (v == JsonToken.VALUE_NUMBER_INT && d.equals("reasoning_tokens")) {
                        reasoningTokens = p.getLongValue();
                    } else {
                        p.skipChildren();
                    }
                }
            } else if (t == JsonToken.VALUE_NUMBER_INT && f.equals("prompt_tokens")) {
                promptTokens = p.getLongValue();
            } else if (t == JsonToken.VALUE_NUMBER_INT && f.equals("completion_tokens")) {
                completionTokens = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
    }
}

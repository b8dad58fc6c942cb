package tollgate.metering.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import tollgate.config.Sha256;
import tollgate.metering.report.CellKey;

/** The JSON the store writes: tags and unknown fields as JSONB, and a cell's identity as one stable hash. */
final class Json {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private Json() {
    }

    /** {@code {"a":"1","b":"2"}}, names sorted. */
    static String object(Map<String, String> values) {
        return write(g -> {
            g.writeStartObject();
            for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        });
    }

    /** An object of values that are JSON text already (a line's unknown fields, as written). */
    static String rawObject(Map<String, String> rawValues) {
        return write(g -> {
            g.writeStartObject();
            for (Map.Entry<String, String> e : rawValues.entrySet()) {
                g.writeFieldName(e.getKey());
                g.writeRawValue(e.getValue());
            }
            g.writeEndObject();
        });
    }

    /** The SHA-256 of the cell's dimensions, written in one fixed order: the rollups' key for the cell. */
    /** A JSONB object of strings as the database gives it back ({@code tags}). */
    static Map<String, String> strings(String json, String column) {
        Map<String, String> out = new java.util.HashMap<>();
        try (com.fasterxml.jackson.core.JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                String name;
                while ((name = p.nextFieldName()) != null) {
                    p.nextToken();
                    out.put(name, p.getText());
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(column + ": not a JSON object of strings", e);
        }
        return out;
    }

    static String cellId(CellKey k) {
        String canonical = write(g -> {
            g.writeStartArray();
            for (@Nullable String s : new String[] {k.key(), k.endpoint(), k.model(), k.pricedAs(), k.user(),
                    k.error(), k.provider()}) {
                g.writeString(s);
            }
            g.writeStartObject();
            for (Map.Entry<String, String> e : new TreeMap<>(k.tags()).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndArray();
        });
        return Sha256.hex(canonical);
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter(128);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}

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
                g.writeStringField(PostgresStore.storable(e.getKey()), PostgresStore.storable(e.getValue()));
            }
            g.writeEndObject();
        });
    }

    /** An object of values that are JSON text already (a line's unknown fields, as written). */
    static String rawObject(Map<String, String> rawValues) {
        return write(g -> {
            g.writeStartObject();
            for (Map.Entry<String, String> e : rawValues.entrySet()) {
                g.writeFieldName(PostgresStore.storable(e.getKey()));
                g.writeRawValue(storableRaw(e.getValue()));
            }
            g.writeEndObject();
        });
    }

    /**
     * JSON text with each escape of U+0000 (backslash, {@code u0000}, its backslash not itself escaped) as the escape
     * of U+FFFD: JSONB refuses it, as text refuses U+0000 ({@link PostgresStore#storable}).
     */
    static String storableRaw(String json) {
        int at = json.indexOf("\\u0000");
        if (at < 0) {
            return json;
        }
        StringBuilder out = new StringBuilder(json);
        for (; at >= 0; at = json.indexOf("\\u0000", at + 1)) {
            int backslashes = 0;
            for (int i = at; i >= 0 && json.charAt(i) == '\\'; i--) {
                backslashes++;
            }
            if (backslashes % 2 == 1) {
                out.replace(at + 2, at + 6, "FFFD");
            }
        }
        return out.toString();
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

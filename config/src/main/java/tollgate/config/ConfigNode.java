package tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A YAML mapping being read: remembers which keys were read so that the rest can be reported as
 * unknown with their full path, and collects every error instead of stopping at the first.
 */
final class ConfigNode {
    private final @Nullable JsonNode node;
    private final String path;
    private final List<String> errors;
    private final Set<String> read = new HashSet<>();

    ConfigNode(@Nullable JsonNode node, String path, List<String> errors) {
        this.node = node;
        this.path = path;
        this.errors = errors;
        if (node != null && !node.isNull() && !node.isObject()) {
            // never the value: a section given as one string is often a URL or header with its credential in it
            errors.add(path(null) + ": a " + (node.isArray() ? "list" : "single value") + " (expected: a mapping)");
        }
    }

    String path(@Nullable String key) {
        if (key == null) {
            return path.isEmpty() ? "(top level)" : path;
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return raw(key) != null;
    }

    @Nullable JsonNode raw(String key) {
        read.add(key);
        if (node == null || !node.isObject()) {
            return null;
        }
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    ConfigNode child(String key) {
        return new ConfigNode(raw(key), path(key), errors);
    }

    void error(String key, String message) {
        errors.add(path(key) + ": " + message);
    }

    @Nullable String string(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isValueNode()) {
            error(key, describe(v) + " (expected: a single value)");
            return null;
        }
        return v.asText();
    }

    /** Reads a scalar with a parser whose IllegalArgumentException message says what is accepted. */
    <T> @Nullable T value(String key, Function<String, T> parser) {
        String s = string(key);
        if (s == null) {
            return null;
        }
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            error(key, e.getMessage());
            return null;
        }
    }

    <T> T value(String key, Function<String, T> parser, T fallback) {
        T v = value(key, parser);
        return v == null ? fallback : v;
    }

    @Nullable Boolean bool(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            error(key, describe(v) + " (expected: true or false)");
            return null;
        }
        return v.booleanValue();
    }

    @Nullable Long longValue(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.canConvertToExactIntegral() || !v.canConvertToLong()) {
            error(key, describe(v) + " (expected: a whole number)");
            return null;
        }
        return v.longValue();
    }

    @Nullable BigDecimal decimal(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (v.isNumber()) {
            return new BigDecimal(v.asText());
        }
        if (v.isTextual()) {
            try {
                return new BigDecimal(v.asText().trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        error(key, describe(v) + " (expected: a decimal number)");
        return null;
    }

    List<ConfigNode> list(String key) {
        JsonNode v = raw(key);
        List<ConfigNode> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            error(key, describe(v) + " (expected: a list)");
            return out;
        }
        for (int i = 0; i < v.size(); i++) {
            out.add(new ConfigNode(v.get(i), path(key) + "[" + i + "]", errors));
        }
        return out;
    }

    @Nullable List<JsonNode> scalars(String key) {
        JsonNode v = raw(key);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            error(key, describe(v) + " (expected: a list)");
            return null;
        }
        List<JsonNode> out = new ArrayList<>();
        v.forEach(out::add);
        return out;
    }

    /** The keys of this mapping, in file order (empty when absent or not a mapping). */
    List<String> names() {
        List<String> out = new ArrayList<>();
        if (node != null && node.isObject()) {
            node.fieldNames().forEachRemaining(out::add);
        }
        return out;
    }

    /** Reports every key of this mapping that no reader asked for. */
    void rejectUnknown() {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!read.contains(k)) {
                errors.add(path(k) + ": unknown key");
            }
        }
    }

    private static String describe(JsonNode v) {
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        return "'" + v.asText() + "'";
    }
}

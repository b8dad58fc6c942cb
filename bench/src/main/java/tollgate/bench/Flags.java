package tollgate.bench;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** {@code --name value} and {@code --name=value} command-line flags; every flag read must be one the tool knows. */
public final class Flags {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> read = new HashSet<>();

    private Flags() {
    }

    public static Flags parse(String[] args) {
        Flags f = new Flags();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("argument: " + a + " (expected: --name value)");
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                f.values.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                f.values.put(a.substring(2), args[++i]);
            } else {
                f.values.put(a.substring(2), "true");
            }
        }
        return f;
    }

    public @Nullable String string(String name) {
        read.add(name);
        return values.get(name);
    }

    public String string(String name, String fallback) {
        String v = string(name);
        return v == null ? fallback : v;
    }

    public long longValue(String name, long fallback, long min, long max) {
        String v = string(name);
        if (v == null) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(v.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": " + v + " (expected: a whole number)");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("--" + name + ": " + v + " (expected: " + min + ".." + max + ")");
        }
        return n;
    }

    public int intValue(String name, int fallback, int min, int max) {
        return (int) longValue(name, fallback, min, max);
    }

    public boolean bool(String name) {
        String v = string(name);
        return v != null && !v.equals("false");
    }

    public List<Long> longs(String name) {
        String v = string(name);
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(v.split(",")).map(String::strip).map(Long::parseLong).toList();
    }

    /** Fails on any flag given that no {@code string/long/int/bool} call asked for, so a typo is not silently ignored. */
    public void requireAllKnown() {
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw new IllegalArgumentException("--" + name + ": unknown flag");
            }
        }
    }
}

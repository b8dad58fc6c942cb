package tollgate.config;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A key read from an environment variable ({@code key_env}, {@code upstream_key_env}, a route's {@code key_env}):
 * surrounding white space is not part of it (a Kubernetes secret made from a file keeps the file's last newline),
 * and what is left must be one printable line, since it goes into a header. One reading for config checks and for
 * the parts that use the key.
 */
public final class EnvSecrets {

    private EnvSecrets() {
    }

    /** The variable's value without surrounding white space; null when it is unset or blank. */
    public static @Nullable String read(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null) {
            return null;
        }
        String s = v.strip();
        return s.isEmpty() ? null : s;
    }

    /** Why {@code name}'s value cannot be a key, or null when it can (the value itself is never in the message). */
    static @Nullable String problem(Map<String, String> env, String name, String expected) {
        String s = read(env, name);
        if (s == null) {
            return "environment variable " + name + " is not set (expected: " + expected + ")";
        }
        if (s.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return "environment variable " + name + " holds a control character inside the key (expected: "
                    + expected + ", on one line)";
        }
        return null;
    }
}

package tollgate.metering.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import tollgate.config.KeyConfig;

/**
 * Admits the first {@code maxValues} distinct values of a label or report dimension; every later one, and any
 * value longer than {@code maxChars}, reports as {@code other} (SPEC 9), so that client-chosen keys, models, users
 * and tags cannot grow a registry or an aggregate without bound. Thread-safe; an admitted value is never demoted.
 */
public final class LabelCap {
    public static final String OTHER = KeyConfig.OTHER;

    private final int maxValues;
    private final int maxChars;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    /** A cap on the number of values only. */
    public LabelCap(int maxValues) {
        this(maxValues, Integer.MAX_VALUE);
    }

    public LabelCap(int maxValues, int maxChars) {
        if (maxValues < 1 || maxChars < 1) {
            throw new IllegalArgumentException("maxValues, maxChars: " + maxValues + ", " + maxChars
                    + " (expected: >= 1)");
        }
        this.maxValues = maxValues;
        this.maxChars = maxChars;
    }

    /** The value itself when admitted (now or before), else {@code other}. */
    public String admit(String value) {
        if (admitted.contains(value)) {
            return value;
        }
        // past the cap, an unseen value costs a look-up and a count, never the lock
        if (value.length() > maxChars || admitted.size() >= maxValues) {
            return OTHER;
        }
        synchronized (this) {
            if (admitted.contains(value)) {
                return value;
            }
            if (admitted.size() >= maxValues) {
                return OTHER;
            }
            admitted.add(value);
            return value;
        }
    }

    /** As {@link #admit}; an absent value stays absent. */
    public @Nullable String fold(@Nullable String value) {
        return value == null ? null : admit(value);
    }

    int size() {
        return admitted.size();
    }
}

package tollgate.metering.report;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Admits the first {@code max} distinct values of a dimension and folds every later one into {@code other},
 * as the metric labels are capped (SPEC 9); thread-safe.
 */
final class LabelCap {
    static final String OTHER = StatsAccumulator.OTHER;

    private final int max;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    LabelCap(int max) {
        this.max = max;
    }

    @Nullable String fold(@Nullable String value) {
        if (value == null || seen.contains(value)) {
            return value;
        }
        synchronized (this) {
            if (seen.contains(value)) {
                return value;
            }
            if (seen.size() >= max) {
                return OTHER;
            }
            seen.add(value);
            return value;
        }
    }

    String foldNonNull(String value) {
        String v = fold(value);
        return v == null ? OTHER : v;
    }
}

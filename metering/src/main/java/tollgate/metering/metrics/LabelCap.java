package tollgate.metering.metrics;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits the first {@code max} distinct values of a label; later ones report as {@code other} (SPEC 9), so that
 * client-chosen keys and models cannot grow the registry without bound.
 */
final class LabelCap {
    static final String OTHER = "other";
    // longer values are not names people chart; they would only bloat every scrape
    static final int MAX_LENGTH = 128;

    private final int max;
    private final ConcurrentHashMap<String, Boolean> admitted = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    LabelCap(int max) {
        this.max = max;
    }

    String admit(String value) {
        if (admitted.containsKey(value)) {
            return value;
        }
        if (value.length() > MAX_LENGTH) {
            return OTHER;
        }
        // reserve a slot first: concurrent callers can never admit more than max values
        if (size.incrementAndGet() > max) {
            size.decrementAndGet();
            return admitted.containsKey(value) ? value : OTHER;
        }
        if (admitted.putIfAbsent(value, Boolean.TRUE) != null) {
            size.decrementAndGet();
        }
        return value;
    }

    int size() {
        return admitted.size();
    }
}

package tollgate.metering.usage;

import org.jspecify.annotations.Nullable;

/**
 * The bound on attribution values a client chooses (SPEC 4): {@code user}, {@code model} and tag values are
 * cut at 128 characters before they reach a record, a budget scope or a metric label.
 */
public final class FieldCap {
    public static final int MAX_CHARS = 128;

    private FieldCap() {}

    public static @Nullable String cap(@Nullable String value) {
        if (value == null || value.length() <= MAX_CHARS) {
            return value;
        }
        // never split a surrogate pair: a cut value must still be valid UTF-16 (and so valid JSON)
        int end = Character.isHighSurrogate(value.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
        return value.substring(0, end);
    }
}

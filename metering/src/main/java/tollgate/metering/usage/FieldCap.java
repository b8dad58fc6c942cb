package tollgate.metering.usage;

import org.jspecify.annotations.Nullable;

/**
 * The bound on attribution values a client chooses (SPEC 4): {@code user}, {@code model} and tag values are
 * cut at 128 characters before they reach a record, a budget scope or a metric label.
 */
public final class FieldCap {
    public static final int MAX_CHARS = 128;

    private FieldCap() {}

    /** The value cut at {@value #MAX_CHARS} characters, a surrogate pair never cut in half (it stays valid UTF-16). */
    public static @Nullable String cap(@Nullable String value) {
        return value == null || value.length() <= MAX_CHARS ? value : value.substring(0, cut(value, 0));
    }

    /** How many characters of {@code text} from {@code from} on to keep: at most 128, whole. */
    static int cut(CharSequence text, int from) {
        return Character.isHighSurrogate(text.charAt(from + MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
    }
}

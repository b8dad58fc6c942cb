package tollgate.metering.log;

import org.jspecify.annotations.Nullable;

/**
 * UTF-8 of a string's characters beyond ASCII, as the usage log writes them ({@link JsonLine}) and the store copies
 * them ({@code CopyText}): a character as its bytes, a pair of surrogates as one 4-byte code point, an unpaired
 * surrogate as {@code ?} (what {@link String#getBytes} makes of one). One rule, so the log and the database keep the
 * same text.
 */
public final class Utf8 {
    /** The most bytes {@link #put} writes for one char (a pair's 4 bytes span two). */
    public static final int MAX_BYTES_PER_CHAR = 3;

    private Utf8() {
    }

    /**
     * Writes {@code s.charAt(i)} (not ASCII) at {@code b[p]}; a high surrogate followed by a low one is written as
     * their code point ({@link #pairAt} tells the caller to step over the second).
     *
     * @return the position after what was written
     */
    public static int put(String s, int i, byte[] b, int p) {
        char c = s.charAt(i);
        if (c < 0x800) {
            b[p++] = (byte) (0xC0 | c >> 6);
            b[p++] = (byte) (0x80 | c & 0x3F);
        } else if (pairAt(s, i)) {
            int cp = Character.toCodePoint(c, s.charAt(i + 1));
            b[p++] = (byte) (0xF0 | cp >> 18);
            b[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
            b[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
            b[p++] = (byte) (0x80 | cp & 0x3F);
        } else if (Character.isSurrogate(c)) {
            b[p++] = '?';
        } else {
            b[p++] = (byte) (0xE0 | c >> 12);
            b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
            b[p++] = (byte) (0x80 | c & 0x3F);
        }
        return p;
    }

    /**
     * Whether {@code s} holds a surrogate, paired or not: text that may not read back from the log as it is (a lone
     * one is written as {@code ?}); false for null.
     */
    public static boolean hasSurrogate(@Nullable String s) {
        if (s == null) {
            return false;
        }
        for (int i = 0, n = s.length(); i < n; i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code s}'s chars at {@code i} and {@code i + 1} are a pair of surrogates (one code point). */
    public static boolean pairAt(String s, int i) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
}

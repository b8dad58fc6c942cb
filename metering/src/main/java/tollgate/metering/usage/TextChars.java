package tollgate.metering.usage;

/** A JSON parser's text as it holds it (a run of its char buffer), compared without making a {@link String}. */
public final class TextChars {

    private TextChars() {}

    /** True when {@code c[offset, offset + length)} holds exactly the characters of {@code s}. */
    public static boolean equals(String s, char[] c, int offset, int length) {
        if (s.length() != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (s.charAt(i) != c[offset + i]) {
                return false;
            }
        }
        return true;
    }
}

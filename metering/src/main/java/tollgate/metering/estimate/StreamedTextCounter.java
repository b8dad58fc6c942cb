package tollgate.metering.estimate;

import com.knuddels.jtokkit.api.Encoding;

/**
 * Counts the tokens of a text that arrives in pieces (a stream's deltas) while holding only a few
 * KiB of it, with the same result as tokenizing the whole text at once.
 *
 * <p>Exactness: tiktoken splits text with a regular expression before byte-pair encoding, and no
 * piece of that split ever spans a newline followed by a letter or digit, nor a letter followed by
 * a space and a letter (in o200k_base and cl100k_base alike: letters, digits, punctuation and
 * whitespace form separate pieces, and a leading space or punctuation mark only joins the word
 * after it). Text before such a boundary is therefore counted and dropped once
 * {@value #FLUSH_CHARS} characters are held. A text without any boundary (one long word, or CJK
 * without newlines) is cut at {@value #MAX_HELD_CHARS} characters, which may miscount by a token
 * per cut.
 *
 * <p>Not thread-safe: one per stream, used from the stream's event loop.
 */
public final class StreamedTextCounter {
    static final int FLUSH_CHARS = 4 * 1024;
    static final int MAX_HELD_CHARS = 64 * 1024;

    private final Encoding encoding;
    private final StringBuilder held = new StringBuilder();
    /** The next position whose boundary status is not known yet. */
    private int checked = 1;
    /** The last boundary found in {@code held}, or 0. */
    private int boundary;
    private long counted;

    StreamedTextCounter(Encoding encoding) {
        this.encoding = encoding;
    }

    public void append(CharSequence text) {
        held.append(text);
        // Position i is decided once the character after it is known (rule "letter, space, letter").
        for (; checked + 1 < held.length(); checked++) {
            if (isBoundary(checked)) {
                boundary = checked;
            }
        }
        if (held.length() >= FLUSH_CHARS && boundary > 0) {
            countAndDrop(boundary);
        } else if (held.length() >= MAX_HELD_CHARS) {
            countAndDrop(held.length());
        }
    }

    /** Tokens of everything appended so far (tokenizes the few KiB still held). */
    public long tokens() {
        return counted + encoding.countTokensOrdinary(held.toString());
    }

    int heldChars() {
        return held.length();
    }

    private void countAndDrop(int end) {
        counted += encoding.countTokensOrdinary(held.substring(0, end));
        held.delete(0, end);
        checked = Math.max(1, checked - end);
        boundary = 0;
    }

    private boolean isBoundary(int i) {
        char before = held.charAt(i - 1);
        char at = held.charAt(i);
        if (before == '\n' || before == '\r') {
            return Character.isLetterOrDigit(at);
        }
        return at == ' ' && Character.isLetter(before) && Character.isLetter(held.charAt(i + 1));
    }
}

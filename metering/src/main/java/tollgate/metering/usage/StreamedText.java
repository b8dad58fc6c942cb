package tollgate.metering.usage;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The text a stream carried, for estimating its output when no usage came: appended from the parser's characters (no
 * String per delta), capped at {@link StreamEventReader#MAX_TEXT_CHARS}, and rolled back to the start of an event that
 * could not be read whole. Used by one reader, from one thread.
 */
final class StreamedText {
    private @Nullable StringBuilder text;
    private boolean truncated;
    private int mark;
    private boolean truncatedAtMark;

    /** An event starts: what it appends can be taken back by {@link #rollBack()}. */
    void mark() {
        StringBuilder sb = text;
        mark = sb == null ? 0 : sb.length();
        truncatedAtMark = truncated;
    }

    /** Takes back what was appended since {@link #mark()}. */
    void rollBack() {
        StringBuilder sb = text;
        if (sb != null && sb.length() > mark) {
            sb.setLength(mark);
        }
        truncated = truncatedAtMark;
    }

    /** Takes back the text appended at {@code [from, to)} since {@link #mark()} (an event's that was not its text). */
    void delete(int from, int to) {
        StringBuilder sb = text;
        if (sb != null && to > from) {
            sb.delete(from, to);
            truncated = truncatedAtMark;
        }
    }

    /** Appends the parser's current string value. */
    void append(JsonParser p) throws IOException {
        int n = p.getTextLength();
        if (n == 0 || truncated) {
            return;
        }
        StringBuilder sb = builder();
        int room = StreamEventReader.MAX_TEXT_CHARS - sb.length();
        sb.append(p.getTextCharacters(), p.getTextOffset(), Math.min(n, room));
        truncated = n > room;
    }

    void append(String s) {
        if (s.isEmpty() || truncated) {
            return;
        }
        StringBuilder sb = builder();
        int room = StreamEventReader.MAX_TEXT_CHARS - sb.length();
        sb.append(s, 0, Math.min(s.length(), room));
        truncated = s.length() > room;
    }

    int length() {
        StringBuilder sb = text;
        return sb == null ? 0 : sb.length();
    }

    /** True when the text stopped growing at its cap. */
    boolean truncated() {
        return truncated;
    }

    private StringBuilder builder() {
        StringBuilder sb = text;
        if (sb == null) {
            sb = text = new StringBuilder(256);
        }
        return sb;
    }

    @Override
    public String toString() {
        StringBuilder sb = text;
        return sb == null ? "" : sb.toString();
    }
}

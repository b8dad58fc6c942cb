package tollgate.metering.usage;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One edit of a request body by byte offsets: the bytes {@code [start, end)} are replaced by {@link #insert()}
 * ({@code start == end}: a pure insertion). The proxy forwards {@code wrappedBuffer(body.slice(0, start), insert,
 * body.slice(end, …))} and so never copies the body; {@link #applyTo(byte[])} does the same on an array.
 *
 * @param insert shared and small (a few dozen bytes); read it, never change it
 */
public record BodySplice(int start, int end, byte[] insert) {
    public BodySplice {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("splice [" + start + ", " + end + ") (expected: 0 <= start <= end)");
        }
    }

    /** The length of a body of {@code bodyLength} bytes after the splice. */
    public int splicedLength(int bodyLength) {
        return bodyLength - (end - start) + insert.length;
    }

    /** A new array: the body with the splice applied. */
    public byte[] applyTo(byte[] body) {
        if (end > body.length) {
            throw new IllegalArgumentException("splice end " + end + " past a body of " + body.length + " bytes");
        }
        byte[] out = Arrays.copyOf(body, splicedLength(body.length));
        System.arraycopy(insert, 0, out, start, insert.length);
        System.arraycopy(body, end, out, start + insert.length, body.length - end);
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BodySplice s && s.start == start && s.end == end && Arrays.equals(s.insert, insert);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * start + end) + Arrays.hashCode(insert);
    }

    @Override
    public String toString() {
        return "BodySplice[" + start + ", " + end + ") <- " + new String(insert, StandardCharsets.UTF_8);
    }
}

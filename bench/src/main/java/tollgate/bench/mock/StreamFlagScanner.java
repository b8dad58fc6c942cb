package tollgate.bench.mock;

import io.netty.buffer.ByteBuf;

/**
 * Finds {@code "stream": true} and {@code "include_usage": true} in a request body without parsing it: the mock
 * must stay cheap next to the proxy it measures, and both the client's and tollgate's re-serialized bodies
 * put these keys at most once.
 */
final class StreamFlagScanner {
    private static final byte[] STREAM = "\"stream\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] INCLUDE_USAGE = "\"include_usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private StreamFlagScanner() {
    }

    static boolean stream(ByteBuf body) {
        return isTrue(body, STREAM);
    }

    static boolean includeUsage(ByteBuf body) {
        return isTrue(body, INCLUDE_USAGE);
    }

    /** True when {@code key} is followed by optional blanks, a colon, optional blanks and {@code true}. */
    private static boolean isTrue(ByteBuf body, byte[] key) {
        int from = body.readerIndex();
        int to = body.writerIndex();
        for (int i = from; i <= to - key.length; i++) {
            if (!matches(body, i, key)) {
                continue;
            }
            int j = skipBlanks(body, i + key.length, to);
            if (j < to && body.getByte(j) == ':') {
                j = skipBlanks(body, j + 1, to);
                return j + 4 <= to && body.getByte(j) == 't' && body.getByte(j + 1) == 'r'
                        && body.getByte(j + 2) == 'u' && body.getByte(j + 3) == 'e';
            }
        }
        return false;
    }

    private static boolean matches(ByteBuf body, int at, byte[] key) {
        for (int k = 0; k < key.length; k++) {
            if (body.getByte(at + k) != key[k]) {
                return false;
            }
        }
        return true;
    }

    private static int skipBlanks(ByteBuf body, int i, int to) {
        while (i < to) {
            byte b = body.getByte(i);
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                break;
            }
            i++;
        }
        return i;
    }
}

package tollgate.metering.usage;

import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * The bytes of several buffers, each from its position to its limit, as one stream; the buffers' positions are
 * never moved (absolute gets), so the same buffers can be read again. Lets Jackson read a composite or direct
 * body in its own recycled chunks instead of a copy of the whole body.
 */
final class ByteBuffersInputStream extends InputStream {
    private final ByteBuffer[] buffers;
    private int index;
    private int at;

    ByteBuffersInputStream(ByteBuffer[] buffers) {
        this.buffers = buffers;
        this.at = buffers.length == 0 ? 0 : buffers[0].position();
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) {
            return 0;
        }
        while (index < buffers.length && at >= buffers[index].limit()) {
            if (++index < buffers.length) {
                at = buffers[index].position();
            }
        }
        if (index >= buffers.length) {
            return -1;
        }
        ByteBuffer buf = buffers[index];
        int n = Math.min(len, buf.limit() - at);
        buf.get(at, b, off, n);
        at += n;
        return n;
    }
}

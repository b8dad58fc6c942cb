package tollgate.bench.load;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import tollgate.bench.mock.ChatBodies;

/**
 * Finds the mock's send timestamps ({@code "system_fingerprint":"fp_} + 19 digits) in a stream's bytes as they
 * arrive; a read may split a marker or its digits anywhere. One scanner per connection, on its event loop.
 */
final class StampScanner {
    /** Receives each timestamp found, with the arrival time of the read that completed it. */
    interface Sink {
        void onStamp(long sentNanos, long arrivedNanos);
    }

    private static final byte[] MARKER = ChatBodies.STAMP_MARKER.getBytes(StandardCharsets.US_ASCII);

    private int matched;
    private int digits;
    private long value;

    void feed(ByteBuf buf, long arrivedNanos, Sink sink) {
        int to = buf.writerIndex();
        for (int i = buf.readerIndex(); i < to; i++) {
            byte b = buf.getByte(i);
            if (matched < MARKER.length) {
                if (b == MARKER[matched]) {
                    matched++;
                } else {
                    matched = b == MARKER[0] ? 1 : 0;
                }
                continue;
            }
            if (b < '0' || b > '9') {
                reset();
                continue;
            }
            value = value * 10 + (b - '0');
            if (++digits == ChatBodies.STAMP_DIGITS) {
                sink.onStamp(value, arrivedNanos);
                reset();
            }
        }
    }

    void reset() {
        matched = 0;
        digits = 0;
        value = 0;
    }
}

package tollgate.metering.log;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Cuts a byte stream into lines without decoding it; a line longer than the limit is reported as too long. */
final class LineSplitter {
    /** Receives each line, without its {@code \n} or {@code \r\n}. */
    interface LineSink {
        void line(byte[] buf, int off, int len);

        void tooLong();
    }

    private static final int INITIAL = 1 << 20;
    private final int maxLineBytes;

    LineSplitter(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    void split(InputStream in, LineSink sink) throws IOException {
        byte[] buf = new byte[Math.min(INITIAL, maxLineBytes)];
        int start = 0;
        int end = 0;
        boolean skipping = false;
        while (true) {
            if (end == buf.length) {
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                } else if (buf.length < maxLineBytes) {
                    buf = Arrays.copyOf(buf, Math.min(buf.length * 2, maxLineBytes));
                } else {
                    // an over-long line: drop what is buffered and everything up to its end
                    if (!skipping) {
                        sink.tooLong();
                    }
                    skipping = true;
                    end = 0;
                }
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                break;
            }
            int scan = end;
            end += n;
            for (int i = scan; i < end; i++) {
                if (buf[i] == '\n') {
                    if (!skipping) {
                        emit(buf, start, i, sink);
                    }
                    skipping = false;
                    start = i + 1;
                }
            }
            if (start == end) {
                start = 0;
                end = 0;
            }
        }
        if (end > start && !skipping) {
            emit(buf, start, end, sink);
        }
    }

    /** Whether the line holds only spaces, tabs and carriage returns: skipped by every reader, never malformed. */
    static boolean blank(byte[] buf, int off, int len) {
        for (int i = off; i < off + len; i++) {
            byte b = buf[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static void emit(byte[] buf, int start, int stop, LineSink sink) {
        int s = stop;
        if (s > start && buf[s - 1] == '\r') {
            s--;
        }
        sink.line(buf, start, s - start);
    }
}

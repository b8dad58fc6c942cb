package tollgate.metering.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Incremental decoder of a {@code text/event-stream} body, fed the bytes as they arrive.
 *
 * <pre>
 * upstream body bytes ─feed()→ SseDecoder ─onEvent(name, data bytes, start, end)→ DataListener
 *                                          └onEvent(name, data String, start, end)→ Listener
 * </pre>
 *
 * <p>Follows WHATWG HTML "Parsing an event stream": UTF-8, one leading BOM ignored, lines end at CRLF, LF or
 * CR, {@code :} starts a comment, {@code data} lines are joined with LF, a blank line dispatches, and an
 * event cut off by the end of the stream is discarded. Reads may split the stream at any byte, including
 * inside a UTF-8 character or between CR and LF. An event larger than {@code maxEventBytes} is skipped and
 * counted, so memory stays bounded. One decoder per stream, used from one thread.
 *
 * <p>A {@link DataListener} gets each event's data as bytes in the decoder's own buffer (no String per event);
 * a direct buffer is decoded through one scratch array per thread, not per stream.
 */
public final class SseDecoder {
    /** Per-event cap: far above any real chunk (a Responses {@code response.completed} is some 100 KiB). */
    public static final int DEFAULT_MAX_EVENT_BYTES = 8 << 20;

    private static final byte LF = '\n';
    private static final byte CR = '\r';
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    private static final byte[] DATA = {'d', 'a', 't', 'a'};
    private static final byte[] EVENT = {'e', 'v', 'e', 'n', 't'};
    private static final int SCRATCH_BYTES = 16 * 1024;
    private static final int NAME_CACHE = 16;
    // one scratch per thread for direct buffers (16 KiB per stream was 16 MB at 1,000 streams: bench/RESULTS.md, item 9);
    // taken out while in use, so a decoder fed from inside another's listener gets one of its own
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[1][]);
    private static final int INITIAL_BYTES = 512;
    private static final int KEEP_BYTES = 64 * 1024;

    /** Receives each dispatched event, synchronously from {@code feed} or {@code end}; it must not throw. */
    public interface Listener {
        /**
         * @param eventName the {@code event:} field, or null when the event had none (the spec's "message")
         * @param data the {@code data:} lines joined with LF
         * @param startOffset absolute offset of the first byte of the event's first line
         * @param endOffset absolute offset just after the blank line that dispatched it
         */
        void onEvent(@Nullable String eventName, String data, long startOffset, long endOffset);
    }

    /** Receives each dispatched event's data as UTF-8 bytes, synchronously from {@code feed} or {@code end}; it must not throw. */
    public interface DataListener {
        /**
         * @param eventName the {@code event:} field, or null when the event had none (the spec's "message")
         * @param data holds the {@code data:} lines joined with LF at {@code [offset, offset + length)}; valid only
         *             during this call, and not to be changed
         * @param startOffset absolute offset of the first byte of the event's first line
         * @param endOffset absolute offset just after the blank line that dispatched it
         */
        void onEvent(@Nullable String eventName, byte[] data, int offset, int length, long startOffset, long endOffset);
    }

    private final DataListener listener;
    private final int maxEventBytes;

    private long position;
    private long eventStart;
    private int bomMatched;
    private boolean afterCr;
    private boolean dispatchPending;
    private boolean ended;

    private byte[] line = new byte[INITIAL_BYTES];
    private int lineLength;
    private boolean lineTooLong;
    private byte[] data = new byte[INITIAL_BYTES];
    private int dataLength;
    private boolean hasData;
    private boolean oversized;
    private @Nullable String eventName;
    private byte[] @Nullable [] nameBytes;
    private @Nullable String @Nullable [] names;
    private int nameCount;
    private long oversizedEvents;

    public SseDecoder(Listener listener) {
        this(listener, DEFAULT_MAX_EVENT_BYTES);
    }

    public SseDecoder(Listener listener, int maxEventBytes) {
        this((DataListener) (name, data, offset, length, start, end) ->
                listener.onEvent(name, new String(data, offset, length, StandardCharsets.UTF_8), start, end), maxEventBytes);
    }

    public SseDecoder(DataListener listener) {
        this(listener, DEFAULT_MAX_EVENT_BYTES);
    }

    public SseDecoder(DataListener listener, int maxEventBytes) {
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: >= 1)");
        }
        this.listener = listener;
        this.maxEventBytes = maxEventBytes;
    }

    /** Decodes the bytes from {@code buf.position()} to its limit; the buffer's position and limit are untouched. */
    public void feed(ByteBuffer buf) {
        int from = buf.position();
        int to = buf.limit();
        if (buf.hasArray()) {
            feed(buf.array(), buf.arrayOffset() + from, to - from);
            return;
        }
        byte[][] slot = SCRATCH.get();
        byte[] s = slot[0];
        slot[0] = null;
        if (s == null) {
            s = new byte[SCRATCH_BYTES];
        }
        try {
            for (int i = from; i < to; i += s.length) {
                int n = Math.min(s.length, to - i);
                buf.get(i, s, 0, n);
                feed(s, 0, n);
            }
        } finally {
            slot[0] = s;
        }
    }

    /** Decodes {@code length} bytes of {@code bytes} from {@code offset}. */
    public void feed(byte[] bytes, int offset, int length) {
        if (ended || length <= 0) {
            return;
        }
        decode(bytes, offset, offset + length);
    }

    /** The stream ended: a blank line still waiting for a possible LF dispatches, an unfinished event is dropped. */
    public void end() {
        if (ended) {
            return;
        }
        if (afterCr && dispatchPending) {
            dispatch(position);
        }
        ended = true;
        afterCr = false;
        lineLength = 0;
        resetEvent();
    }

    /** Bytes fed so far. */
    public long position() {
        return position;
    }

    /** Offset of the first byte not yet decided: every byte before it belonged to a dispatched or skipped block. */
    public long pendingEventStart() {
        return eventStart;
    }

    /** Events skipped because they were larger than the cap. */
    public long oversizedEvents() {
        return oversizedEvents;
    }

    private void decode(byte[] a, int from, int to) {
        long base = position - from;
        int i = from;
        if (bomMatched >= 0) {
            i = skipBom(a, i, to);
        }
        if (afterCr && i < to) {
            afterCr = false;
            if (a[i] == LF) {
                i++;
            }
            if (dispatchPending) {
                dispatch(base + i);
            }
        }
        int lineStart = i;
        while (i < to) {
            byte b = a[i];
            if (b != LF && b != CR) {
                i++;
                continue;
            }
            boolean blank = i == lineStart && lineLength == 0 && !lineTooLong;
            if (!blank) {
                endLine(a, lineStart, i);
            }
            i++;
            if (b == CR) {
                if (i == to) {
                    afterCr = true;
                    dispatchPending = blank;
                    lineStart = i;
                    break;
                }
                if (a[i] == LF) {
                    i++;
                }
            }
            if (blank) {
                dispatch(base + i);
            }
            lineStart = i;
        }
        if (lineStart < i) {
            appendLine(a, lineStart, i);
        }
        position = base + to;
    }

    private int skipBom(byte[] a, int i, int to) {
        while (i < to && bomMatched < BOM.length) {
            if (a[i] != BOM[bomMatched]) {
                int matched = bomMatched;
                bomMatched = -1;
                appendLine(BOM, 0, matched);
                return i;
            }
            bomMatched++;
            i++;
        }
        if (bomMatched == BOM.length) {
            bomMatched = -1;
            eventStart = BOM.length;
        }
        return i;
    }

    private void endLine(byte[] a, int start, int end) {
        if (lineTooLong) {
            lineTooLong = false;
        } else if (lineLength > 0) {
            appendLine(a, start, end);
            if (!lineTooLong) {
                processLine(line, 0, lineLength);
            }
            lineTooLong = false;
        } else if (end - start > maxEventBytes) {
            // the same cap as a line that spans two feeds (appendLine): where the bytes were cut changes nothing
            oversized = true;
        } else {
            processLine(a, start, end);
        }
        lineLength = 0;
        if (line.length > KEEP_BYTES) {
            line = new byte[INITIAL_BYTES];
        }
    }

    private void processLine(byte[] a, int start, int end) {
        if (a[start] == ':') {
            return;
        }
        int colon = start;
        while (colon < end && a[colon] != ':') {
            colon++;
        }
        int value = colon < end ? colon + 1 : end;
        if (value < end && a[value] == ' ') {
            value++;
        }
        if (Arrays.equals(a, start, colon, DATA, 0, DATA.length)) {
            appendData(a, value, end);
        } else if (Arrays.equals(a, start, colon, EVENT, 0, EVENT.length)) {
            eventName = eventName(a, value, end);
        }
        // "id" and "retry" steer a reconnecting client; a tap never reconnects. Other fields are ignored by the spec.
    }

    private @Nullable String eventName(byte[] a, int start, int end) {
        if (start == end) {
            return null;
        }
        // Streams repeat a handful of names (response.output_text.delta ...): one String per distinct name
        byte[][] keys = nameBytes;
        String[] values = names;
        if (keys == null || values == null) {
            keys = nameBytes = new byte[NAME_CACHE][];
            values = names = new String[NAME_CACHE];
        }
        for (int i = 0; i < nameCount; i++) {
            if (Arrays.equals(a, start, end, keys[i], 0, keys[i].length)) {
                return values[i];
            }
        }
        String name = new String(a, start, end - start, StandardCharsets.UTF_8);
        int slot = nameCount < NAME_CACHE ? nameCount++ : NAME_CACHE - 1;
        keys[slot] = Arrays.copyOfRange(a, start, end);
        values[slot] = name;
        return name;
    }

    private void appendLine(byte[] a, int start, int end) {
        int n = end - start;
        if (n <= 0 || lineTooLong) {
            return;
        }
        if (lineLength + n > maxEventBytes) {
            lineTooLong = true;
            oversized = true;
            lineLength = 0;
            return;
        }
        line = ensure(line, lineLength + n);
        System.arraycopy(a, start, line, lineLength, n);
        lineLength += n;
    }

    private void appendData(byte[] a, int start, int end) {
        if (oversized) {
            return;
        }
        int n = end - start;
        int separator = hasData ? 1 : 0;
        if ((long) dataLength + separator + n > maxEventBytes) {
            oversized = true;
            return;
        }
        data = ensure(data, dataLength + separator + n);
        if (hasData) {
            data[dataLength++] = LF;
        }
        System.arraycopy(a, start, data, dataLength, n);
        dataLength += n;
        hasData = true;
    }

    private byte[] ensure(byte[] buf, int needed) {
        if (needed <= buf.length) {
            return buf;
        }
        int grown = (int) Math.min(maxEventBytes, Math.max((long) needed, 2L * buf.length));
        return Arrays.copyOf(buf, grown);
    }

    private void dispatch(long end) {
        dispatchPending = false;
        long start = eventStart;
        eventStart = end;
        if (oversized) {
            oversizedEvents++;
            resetEvent();
            return;
        }
        if (!hasData) {
            resetEvent();
            return;
        }
        String name = eventName;
        int length = dataLength;
        try {
            listener.onEvent(name, data, 0, length, start, end);
        } finally {
            resetEvent();
        }
    }

    private void resetEvent() {
        hasData = false;
        dataLength = 0;
        oversized = false;
        eventName = null;
        if (data.length > KEEP_BYTES) {
            data = new byte[INITIAL_BYTES];
        }
    }
}

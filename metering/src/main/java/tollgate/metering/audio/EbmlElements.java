package tollgate.metering.audio;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A WebM or Matroska file (RFC 8794, 9559): elements walked by their sizes into {@code Segment} and its {@code Info},
 * whose {@code Duration} × {@code TimestampScale} ns is the length. A file without a {@code Duration} before its first
 * {@code Cluster} (a live recording, as browsers' MediaRecorder writes) gives no length.
 */
final class EbmlElements extends Container {
    static final long EBML_HEADER = 0x1A45DFA3L;
    private static final long SEGMENT = 0x18538067L;
    private static final long INFO = 0x1549A966L;
    private static final long CLUSTER = 0x1F43B675L;
    private static final long TIMESTAMP_SCALE = 0x2AD7B1L;
    private static final long DURATION = 0x4489L;
    private static final long DEFAULT_SCALE_NS = 1_000_000;
    private static final BigDecimal NS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);

    private boolean inSegment;
    /** The file offset where {@code Info} ends; -1 outside it. */
    private long infoEnd = -1;
    private long scaleNs = DEFAULT_SCALE_NS;
    private double duration = Double.NaN;
    /** The element whose value is being read (its header already passed); 0 for none. */
    private long reading;
    private int readingBytes;

    @Override
    void step(AudioDuration r) {
        if (reading != 0) {
            value(r);
            return;
        }
        int idLength = vintLength(r.u8(0));
        if (idLength > 4) {
            r.fail("a webm element id that is not valid at byte " + r.offset());
            return;
        }
        if (r.have < idLength + 1) {
            r.need(idLength + 1);
            return;
        }
        int sizeLength = vintLength(r.u8(idLength));
        if (sizeLength > 8) {
            r.fail("a webm element size that is not valid at byte " + r.offset());
            return;
        }
        int header = idLength + sizeLength;
        if (r.have < header) {
            r.need(header);
            return;
        }
        long id = 0;
        for (int i = 0; i < idLength; i++) {
            id = id << 8 | r.u8(i);
        }
        long size = r.u8(idLength) & (0xff >> sizeLength);
        boolean unknown = size == (0xff >> sizeLength);
        for (int i = idLength + 1; i < header; i++) {
            size = size << 8 | r.u8(i);
            unknown &= r.u8(i) == 0xff;
        }
        element(r, id, header, unknown ? -1 : size);
    }

    private void element(AudioDuration r, long id, int header, long size) {
        if (!inSegment && id == SEGMENT) {
            inSegment = true;
            r.skip(header);
            r.need(1);
        } else if (inSegment && infoEnd < 0 && id == INFO) {
            if (size < 0) {
                r.fail("a webm Info of unknown size");
                return;
            }
            r.skip(header);
            infoEnd = r.offset() + size;
            next(r);
        } else if (inSegment && id == CLUSTER) {
            r.fail("a webm file without a Duration before its first Cluster (a live recording)");
        } else if (size < 0) {
            r.fail("a webm element of unknown size at byte " + r.offset());
        } else if (infoEnd >= 0 && (id == TIMESTAMP_SCALE || id == DURATION) && size <= 8) {
            reading = id;
            readingBytes = (int) size;
            r.skip(header);
            r.need((int) size);
        } else {
            r.skip(header + size);
            next(r);
        }
    }

    /** An unsigned integer or a float element of Info, {@link #readingBytes} long. */
    private void value(AudioDuration r) {
        int n = readingBytes;
        long bits = 0;
        for (int i = 0; i < n; i++) {
            bits = bits << 8 | r.u8(i);
        }
        if (reading == TIMESTAMP_SCALE) {
            scaleNs = bits;
        } else if (n == 4) {
            duration = Float.intBitsToFloat((int) bits);
        } else if (n == 8) {
            duration = Double.longBitsToDouble(bits);
        }
        reading = 0;
        r.skip(n);
        next(r);
    }

    /** The next element; at the end of Info, the length. */
    private void next(AudioDuration r) {
        if (infoEnd >= 0 && r.offset() >= infoEnd) {
            if (Double.isNaN(duration) || Double.isInfinite(duration) || duration <= 0 || scaleNs <= 0) {
                r.fail("a webm Info without a Duration (a live recording)");
            } else {
                r.done(new BigDecimal(duration).multiply(BigDecimal.valueOf(scaleNs))
                        .divide(NS_PER_SECOND, AudioDuration.SCALE, RoundingMode.HALF_UP));
            }
            return;
        }
        r.need(1);
    }

    /** The length of a variable-size integer from its first byte (1 to 8; 9 for a zero byte, never valid). */
    private static int vintLength(int first) {
        return first == 0 ? 9 : Integer.numberOfLeadingZeros(first) - 23;
    }

    @Override
    void end(AudioDuration r) {
        r.fail(infoEnd < 0 ? "the webm file ended before its Info" : "the webm file ended inside its Info");
    }

    @Override
    String name() {
        return "webm";
    }
}

package tollgate.metering.audio;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A WebM or Matroska file (RFC 8794, 9559): elements walked by their sizes into {@code Segment} and its {@code Info},
 * whose {@code Duration} × {@code TimestampScale} ns is the length. A file without a {@code Duration} (a live
 * recording, as browsers' MediaRecorder writes, its clusters of unknown size) is read on to its end when its track is
 * Opus: the end of its last block, the block's timestamp plus the frames its Opus TOC byte says it holds (RFC 6716,
 * 3.1), less the block's {@code DiscardPadding}. Any other codec, or laced blocks, give no length then.
 */
final class EbmlElements extends Container {
    static final long EBML_HEADER = 0x1A45DFA3L;
    private static final long SEGMENT = 0x18538067L;
    private static final long INFO = 0x1549A966L;
    private static final long TRACKS = 0x1654AE6BL;
    private static final long TRACK_ENTRY = 0xAEL;
    private static final long CODEC_ID = 0x86L;
    private static final long CLUSTER = 0x1F43B675L;
    private static final long CLUSTER_TIMESTAMP = 0xE7L;
    private static final long SIMPLE_BLOCK = 0xA3L;
    private static final long BLOCK_GROUP = 0xA0L;
    private static final long BLOCK = 0xA1L;
    private static final long DISCARD_PADDING = 0x75A2L;
    private static final long TIMESTAMP_SCALE = 0x2AD7B1L;
    private static final long DURATION = 0x4489L;
    private static final long DEFAULT_SCALE_NS = 1_000_000;
    private static final BigDecimal NS_PER_SECOND = BigDecimal.valueOf(1_000_000_000L);
    /** A block's track number (1 byte, for tracks 1 to 126), timestamp (2), flags (1) and up to 2 bytes of frame. */
    private static final int BLOCK_HEAD = 6;
    /** The longest value read: a CodecID. */
    private static final int MAX_VALUE_BYTES = 32;
    /** Opus frame lengths in µs by TOC config (RFC 6716, table 2): SILK, hybrid, CELT. */
    private static final int[] OPUS_FRAME_MICROS = {
        10_000, 20_000, 40_000, 60_000, 10_000, 20_000, 40_000, 60_000, 10_000, 20_000, 40_000, 60_000,
        10_000, 20_000, 10_000, 20_000,
        2_500, 5_000, 10_000, 20_000, 2_500, 5_000, 10_000, 20_000, 2_500, 5_000, 10_000, 20_000, 2_500, 5_000, 10_000, 20_000,
    };

    private boolean inSegment;
    /** The file offset where {@code Info} ends; -1 outside it. */
    private long infoEnd = -1;
    private boolean infoRead;
    private long scaleNs = DEFAULT_SCALE_NS;
    private double duration = Double.NaN;
    private boolean tracksRead;
    private boolean opus;
    private long clusterTimestamp;
    /** The end of the last block, in ns; -1 before any. */
    private long lastEndNs = -1;
    /** {@link #lastEndNs} before the block just read, whose end a DiscardPadding in its group moves. */
    private long endBeforeBlockNs = -1;
    private long blockEndNs = -1;
    /** The bytes of the block being read past its head. */
    private long blockRest;
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

    /**
     * Masters of interest are entered (their children follow as the next elements: ids tell them apart), values of
     * interest read, everything else passed over by its size.
     */
    private void element(AudioDuration r, long id, int header, long size) {
        if (!inSegment) {
            inSegment = id == SEGMENT;
        } else if (!infoRead && infoEnd < 0 && id == INFO) {
            if (size < 0) {
                r.fail("a webm Info of unknown size");
                return;
            }
            r.skip(header);
            infoEnd = r.offset() + size;
            next(r);
            return;
        } else if (id == CLUSTER && !opus) {
            r.fail("a webm file without a Duration whose track is not Opus (a live recording)");
            return;
        }
        boolean enter = id == SEGMENT || id == CLUSTER || id == BLOCK_GROUP
                || (!tracksRead && (id == TRACKS || id == TRACK_ENTRY));
        if (inSegment && enter) {
            tracksRead |= id == CLUSTER;
            r.skip(header);
            r.need(1);
        } else if (size < 0) {
            r.fail("a webm element of unknown size at byte " + r.offset());
        } else if (inSegment && (id == SIMPLE_BLOCK || id == BLOCK)) {
            read(r, id, header, Math.min(size, BLOCK_HEAD));
            blockRest = size - readingBytes;
        } else if (inSegment && size <= MAX_VALUE_BYTES && (infoEnd >= 0 ? id == TIMESTAMP_SCALE || id == DURATION
                : id == CLUSTER_TIMESTAMP || id == DISCARD_PADDING || (id == CODEC_ID && !tracksRead))) {
            read(r, id, header, size);
        } else {
            r.skip(header + size);
            next(r);
        }
    }

    private void read(AudioDuration r, long id, int header, long bytes) {
        reading = id;
        readingBytes = (int) bytes;
        r.skip(header);
        r.need(readingBytes);
    }

    /** A value of interest, {@link #readingBytes} long. */
    private void value(AudioDuration r) {
        int n = readingBytes;
        long id = reading;
        reading = 0;
        if (id == SIMPLE_BLOCK || id == BLOCK) {
            if (!block(r, n)) {
                return;
            }
            r.skip(n + blockRest);
            blockRest = 0;
            next(r);
            return;
        }
        long bits = 0;
        for (int i = 0; i < n; i++) {
            bits = bits << 8 | r.u8(i);
        }
        if (id == TIMESTAMP_SCALE) {
            scaleNs = bits;
        } else if (id == DURATION && n == 4) {
            duration = Float.intBitsToFloat((int) bits);
        } else if (id == DURATION && n == 8) {
            duration = Double.longBitsToDouble(bits);
        } else if (id == CODEC_ID) {
            opus = r.ascii(0, "A_OPUS") && n == 6;
        } else if (id == CLUSTER_TIMESTAMP) {
            clusterTimestamp = bits;
        } else if (id == DISCARD_PADDING && n > 0 && blockEndNs >= 0) {
            // the samples of the group's block that are not played (RFC 9559, 5.1.3.5.5), a signed count of ns
            long padding = bits << (64 - 8 * n) >> (64 - 8 * n);
            lastEndNs = Math.max(endBeforeBlockNs, blockEndNs - padding);
        }
        r.skip(n);
        next(r);
    }

    /** A block's head: where it ends, from its timestamp and its Opus TOC; false when it cannot be read. */
    private boolean block(AudioDuration r, int n) {
        if (n < 5 || (r.u8(0) & 0x80) == 0) {
            r.fail("a webm block of a track numbered past 126, or too short");
            return false;
        }
        if ((r.u8(3) & 0x06) != 0) {
            r.fail("a webm file without a Duration whose blocks are laced");
            return false;
        }
        int toc = r.u8(4);
        int code = toc & 3;
        int frames = code == 0 ? 1 : code < 3 ? 2 : n > 5 ? r.u8(5) & 0x3f : 0;
        if (frames == 0) {
            r.fail("a webm Opus block without its frame count");
            return false;
        }
        long start = (clusterTimestamp + (short) (r.u8(1) << 8 | r.u8(2))) * scaleNs;
        endBeforeBlockNs = lastEndNs;
        blockEndNs = start + frames * OPUS_FRAME_MICROS[toc >> 3] * 1_000L;
        lastEndNs = Math.max(lastEndNs, blockEndNs);
        return true;
    }

    /** The next element; at the end of Info, the length when it gives one. */
    private void next(AudioDuration r) {
        if (infoEnd >= 0 && r.offset() >= infoEnd) {
            infoEnd = -1;
            infoRead = true;
            if (!Double.isNaN(duration) && !Double.isInfinite(duration) && duration > 0 && scaleNs > 0) {
                r.done(new BigDecimal(duration).multiply(BigDecimal.valueOf(scaleNs))
                        .divide(NS_PER_SECOND, AudioDuration.SCALE, RoundingMode.HALF_UP));
                return;
            }
        }
        r.need(1);
    }

    /** The length of a variable-size integer from its first byte (1 to 8; 9 for a zero byte, never valid). */
    private static int vintLength(int first) {
        return first == 0 ? 9 : Integer.numberOfLeadingZeros(first) - 23;
    }

    @Override
    void end(AudioDuration r) {
        if (lastEndNs > 0) {
            r.done(BigDecimal.valueOf(lastEndNs).divide(NS_PER_SECOND, AudioDuration.SCALE, RoundingMode.HALF_UP));
        } else {
            r.fail(infoRead ? "a webm file without a Duration or a block" : "the webm file ended before its Info");
        }
    }

    @Override
    String name() {
        return "webm";
    }
}

package tollgate.metering.audio;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The length in seconds of an audio file, read from its container as the file's bytes pass, in any splitting:
 * WAV ({@code fmt} byte rate and {@code data} size), MP3 (a Xing, Info or VBRI frame count, else its frames counted
 * as they pass; ID3v2 tags skipped), MP4/M4A ({@code mvhd}, walking top-level boxes by their sizes, so a {@code moov}
 * after {@code mdat} is found without holding {@code mdat}), FLAC ({@code STREAMINFO}), Ogg Vorbis, Opus, FLAC and
 * Speex (the last page's granule position), WebM/Matroska ({@code Info}'s {@code Duration}, else the end of its last
 * Opus block). It keeps at most {@value #MAX_HELD_BYTES} bytes, never throws, and gives a duration only when the container states one; otherwise
 * {@link #reason()} says why not (never a guess).
 * <pre>
 *   feed(bytes, from, to) … end()  →  seconds() (to the microsecond, half up) or reason()
 * </pre>
 */
public final class AudioDuration {
    /** The most bytes held at once: an Ogg page header with its segment table, the largest thing read whole. */
    static final int MAX_HELD_BYTES = 512;
    /** Seconds are kept to the microsecond. */
    static final int SCALE = 6;
    /** Steps in a row that read no new byte before the reading is given up (a container that loops). */
    private static final int MAX_IDLE_STEPS = 1_000;

    final byte[] buf = new byte[MAX_HELD_BYTES];
    /** Bytes in {@link #buf}, from its start. */
    int have;
    /** Bytes the container asked for in {@link #buf}. */
    private int want;
    /** Bytes still to pass unread before {@link #buf} fills again. */
    private long skipLeft;
    /** The file offset of {@code buf[0]} (once {@link #skipLeft} bytes have passed). */
    private long base;
    private long fileBytes;
    private Container container = new Detect();
    private boolean finished;
    private boolean ended;
    private @Nullable BigDecimal seconds;
    private @Nullable String reason;

    /** Reads the bytes {@code [from, to)} of {@code b}, the file's next ones; the buffer's position is not changed. */
    public void feed(ByteBuffer b, int from, int to) {
        if (finished || ended || from >= to) {
            return;
        }
        fileBytes += to - from;
        int p = from;
        int idle = 0;
        try {
            while (!finished) {
                if (skipLeft > 0) {
                    int n = (int) Math.min(skipLeft, to - p);
                    p += n;
                    skipLeft -= n;
                    idle = 0;
                    if (skipLeft > 0) {
                        return;
                    }
                }
                if (have < want) {
                    int n = Math.min(want - have, to - p);
                    b.get(p, buf, have, n);
                    have += n;
                    p += n;
                    idle = n > 0 ? 0 : idle;
                    if (have < want) {
                        return;
                    }
                }
                if (++idle > MAX_IDLE_STEPS) {
                    fail("the " + container.name() + " reading made no progress");
                    return;
                }
                container.step(this);
            }
        } catch (RuntimeException e) {
            // a bound this reader missed: the call stays unpriced rather than the relay failing
            fail("unreadable " + container.name() + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** Reads {@code bytes} from their position to their limit (not changed). */
    public void feed(ByteBuffer bytes) {
        feed(bytes, bytes.position(), bytes.limit());
    }

    /** The file has ended: a duration that needs its length or its last page is decided now. */
    public void end() {
        if (ended) {
            return;
        }
        ended = true;
        if (!finished) {
            try {
                container.end(this);
            } catch (RuntimeException e) {
                fail("unreadable " + container.name() + " (" + e.getClass().getSimpleName() + ")");
            }
            if (!finished) {
                fail("the file ended before its " + container.name() + " length was read");
            }
        }
    }

    /** The file's length in seconds, rounded to the microsecond; null while unknown, or when it cannot be read. */
    public @Nullable BigDecimal seconds() {
        return seconds;
    }

    /** Why there is no duration (once the reading has finished without one); null otherwise. */
    public @Nullable String reason() {
        return reason;
    }

    /** False once the duration is decided either way: the rest of the file need not be fed. */
    public boolean wantsMore() {
        return !finished;
    }

    /** The bytes fed so far. */
    public long fileBytes() {
        return fileBytes;
    }

    // --- what a container asks for -------------------------------------------------------------------------------

    /** The file offset of {@code buf[0]}. */
    long offset() {
        return base;
    }

    /** Asks for {@code buf} to hold {@code n} bytes (those it holds stay). */
    void need(int n) {
        if (n > MAX_HELD_BYTES) {
            throw new IllegalArgumentException("need " + n + " bytes (expected: <= " + MAX_HELD_BYTES + ")");
        }
        want = n;
    }

    /** Passes over the next {@code n} bytes of the file, starting with those in {@code buf}. */
    void skip(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("skip " + n);
        }
        base += n;
        if (n <= have) {
            int k = (int) n;
            System.arraycopy(buf, k, buf, 0, have - k);
            have -= k;
        } else {
            skipLeft = n - have;
            have = 0;
        }
        want = Math.min(want, have);
    }

    /** Passes over everything up to the file's end ({@link Container#end} decides then). */
    void skipToEnd() {
        skipLeft = Long.MAX_VALUE;
        have = 0;
        want = 0;
    }

    /** The reading goes on as {@code next}, with the bytes in {@code buf}. */
    void switchTo(Container next) {
        container = next;
    }

    void done(BigDecimal s) {
        if (s.signum() <= 0) {
            fail("the " + container.name() + " header gives a length of 0");
            return;
        }
        finished = true;
        seconds = s.setScale(SCALE, RoundingMode.HALF_UP);
        if (seconds.signum() == 0) {
            seconds = null;
            reason = "the " + container.name() + " header gives a length under a microsecond";
        }
    }

    /** {@code units / perSecond} seconds. */
    void done(long units, long perSecond) {
        if (perSecond <= 0) {
            fail("the " + container.name() + " header gives a rate of " + perSecond);
            return;
        }
        if (units <= 0) {
            fail("the " + container.name() + " header gives a length of " + units);
            return;
        }
        done(BigDecimal.valueOf(units).divide(BigDecimal.valueOf(perSecond), SCALE, RoundingMode.HALF_UP));
    }

    void fail(String why) {
        finished = true;
        seconds = null;
        reason = why;
        skipLeft = 0;
        have = 0;
        want = 0;
    }

    // --- reading numbers from buf --------------------------------------------------------------------------------

    int u8(int at) {
        return buf[at] & 0xff;
    }

    int u16le(int at) {
        return u8(at) | u8(at + 1) << 8;
    }

    long u32le(int at) {
        return (u16le(at) | (long) u16le(at + 2) << 16) & 0xffffffffL;
    }

    long u32be(int at) {
        return ((long) u8(at) << 24 | u8(at + 1) << 16 | u8(at + 2) << 8 | u8(at + 3)) & 0xffffffffL;
    }

    /** A 64-bit big-endian number; negative when its top bit is set. */
    long u64be(int at) {
        return u32be(at) << 32 | u32be(at + 4);
    }

    long u64le(int at) {
        return u32le(at) | u32le(at + 4) << 32;
    }

    boolean ascii(int at, String s) {
        if (at + s.length() > have) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (buf[at + i] != (byte) s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Which container the first bytes are: WAV, FLAC, Ogg, MP4, WebM or MP3 (after any ID3v2 tags). */
    private static final class Detect extends Container {
        private static final int MAGIC_BYTES = 12;

        @Override
        void step(AudioDuration r) {
            if (r.have < MAGIC_BYTES) {
                r.need(MAGIC_BYTES);
                return;
            }
            if (r.ascii(0, "ID3")) {
                // ID3v2 (id3.org, v2.4 structure): 10-byte header, a syncsafe size, a 10-byte footer when flagged
                int size = (r.u8(6) & 0x7f) << 21 | (r.u8(7) & 0x7f) << 14 | (r.u8(8) & 0x7f) << 7 | (r.u8(9) & 0x7f);
                r.skip(10L + size + ((r.u8(5) & 0x10) != 0 ? 10 : 0));
                r.need(MAGIC_BYTES);
            } else if (r.ascii(0, "RIFF") && r.ascii(8, "WAVE")) {
                r.switchTo(new WavChunks());
                r.skip(MAGIC_BYTES);
                r.need(WavChunks.CHUNK_HEADER);
            } else if (r.ascii(0, "fLaC")) {
                r.switchTo(new FlacInfo());
                r.skip(4);
                r.need(FlacInfo.NEEDED);
            } else if (r.ascii(0, "OggS")) {
                r.switchTo(new OggPages());
                r.need(OggPages.PAGE_HEADER);
            } else if (r.ascii(4, "ftyp")) {
                r.switchTo(new Mp4Boxes());
                r.need(Mp4Boxes.BOX_HEADER);
            } else if (r.u32be(0) == EbmlElements.EBML_HEADER) {
                r.switchTo(new EbmlElements());
                r.need(1);
            } else if (Mp3Frames.header(r, 0) != null) {
                r.switchTo(new Mp3Frames());
                r.need(Mp3Frames.HEADER);
            } else {
                r.fail("not an audio container tollgate reads (wav, mp3, mp4/m4a, flac, ogg, webm)");
            }
        }

        @Override
        void end(AudioDuration r) {
            r.fail(r.have == 0 ? "an empty file" : "a file of " + r.fileBytes() + " bytes is too short to be audio");
        }

        @Override
        String name() {
            return "audio";
        }
    }
}

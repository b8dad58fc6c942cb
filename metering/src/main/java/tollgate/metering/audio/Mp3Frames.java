package tollgate.metering.audio;

import org.jspecify.annotations.Nullable;

/**
 * An MPEG audio file (MP3, and Layers I and II): a Xing, Info (LAME) or VBRI header in the first frame gives the count
 * of frames; without one, every frame header is read as it passes (each frame skipped by the length its header gives)
 * and counted. Frames × samples per frame ÷ sample rate is the length. A frame that is not where the previous one
 * said it ends, other than a trailing ID3v1 or APE tag, means the file is out of sync: no length.
 */
final class Mp3Frames extends Container {
    static final int HEADER = 4;
    /** The first frame's bytes read for a Xing or VBRI header (VBRI's frame count ends at byte 54). */
    private static final int FIRST_FRAME_BYTES = 64;

    // kbit/s by [version 1 or 2][layer I, II, III][index] (ISO 11172-3, 13818-3)
    private static final int[][][] BITRATES = {
        {
            {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
            {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
            {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
        },
        {
            {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
            {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
            {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
        },
    };
    private static final int[] RATES_V1 = {44100, 48000, 32000};

    /** One frame header. */
    record Frame(int version, int layer, int sampleRate, int length, int samples, boolean mono) {
        /** MPEG-1 (1), MPEG-2 (2) or MPEG-2.5 (25); layer 1, 2 or 3. */
        boolean sameStream(Frame o) {
            return version == o.version && layer == o.layer && sampleRate == o.sampleRate;
        }

        /** Where a Xing or Info header sits: after the header and the side information. */
        int xingOffset() {
            return HEADER + (version == 1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
        }
    }

    private @Nullable Frame first;
    private boolean firstRead;
    private long frames;

    /** The frame header at {@code buf[at, at + 4)}; null when those bytes are not one (or free-format). */
    static @Nullable Frame header(AudioDuration r, int at) {
        if (r.have < at + HEADER || r.u8(at) != 0xff || (r.u8(at + 1) & 0xe0) != 0xe0) {
            return null;
        }
        int b1 = r.u8(at + 1);
        int b2 = r.u8(at + 2);
        int versionBits = b1 >> 3 & 3;
        int layerBits = b1 >> 1 & 3;
        int rateIndex = b2 >> 2 & 3;
        int bitrateIndex = b2 >> 4;
        if (versionBits == 1 || layerBits == 0 || rateIndex == 3 || bitrateIndex == 0 || bitrateIndex == 15) {
            return null;
        }
        int version = versionBits == 3 ? 1 : versionBits == 2 ? 2 : 25;
        int layer = 4 - layerBits;
        int sampleRate = RATES_V1[rateIndex] / (version == 1 ? 1 : version == 2 ? 2 : 4);
        long bitrate = BITRATES[version == 1 ? 0 : 1][layer - 1][bitrateIndex] * 1000L;
        int padding = b2 >> 1 & 1;
        int length;
        int samples;
        if (layer == 1) {
            length = (int) ((12 * bitrate / sampleRate + padding) * 4);
            samples = 384;
        } else if (layer == 2 || version == 1) {
            length = (int) (144 * bitrate / sampleRate + padding);
            samples = 1152;
        } else {
            length = (int) (72 * bitrate / sampleRate + padding);
            samples = 576;
        }
        return new Frame(version, layer, sampleRate, length, samples, (r.u8(at + 3) >> 6) == 3);
    }

    @Override
    void step(AudioDuration r) {
        Frame f = header(r, 0);
        if (first == null) {
            if (f == null) {
                r.fail("an mp3 file whose first frame header is not valid");
                return;
            }
            first = f;
            r.need(Math.min(f.length(), FIRST_FRAME_BYTES));
            return;
        }
        if (!firstRead) {
            firstRead = true;
            if (frameCountHeader(r, first)) {
                return;
            }
            f = first;
        } else if (f == null || !f.sameStream(first)) {
            if (r.ascii(0, "TAG") || r.ascii(0, "APET") || r.ascii(0, "LYRI")) {
                // ID3v1, APEv2, Lyrics3: tags after the last frame
                done(r);
            } else {
                r.fail("an mp3 file whose frames are out of sync at byte " + r.offset());
            }
            return;
        }
        frames++;
        r.skip(f.length());
        r.need(HEADER);
    }

    /** A Xing/Info or VBRI header with a frame count in the first frame: the length, from it. */
    private boolean frameCountHeader(AudioDuration r, Frame f) {
        int x = f.xingOffset();
        if ((r.ascii(x, "Xing") || r.ascii(x, "Info")) && r.have >= x + 12 && (r.u8(x + 7) & 1) != 0) {
            r.done(r.u32be(x + 8) * f.samples(), f.sampleRate());
            return true;
        }
        // VBRI (Fraunhofer): 32 bytes after the header; version, delay, quality, bytes, then frames
        int v = HEADER + 32;
        if (r.ascii(v, "VBRI") && r.have >= v + 18) {
            r.done(r.u32be(v + 14) * f.samples(), f.sampleRate());
            return true;
        }
        return false;
    }

    private void done(AudioDuration r) {
        Frame f = first;
        if (f == null) {
            r.fail("an mp3 file without a frame");
            return;
        }
        r.done(frames * f.samples(), f.sampleRate());
    }

    @Override
    void end(AudioDuration r) {
        if (firstRead) {
            // the last frame counted may be cut short: it was sent, and is decoded as far as it goes
            done(r);
        } else if (first != null) {
            // a file of one frame shorter than what was asked of it
            firstRead = true;
            if (!frameCountHeader(r, first)) {
                frames = 1;
                done(r);
            }
        } else {
            r.fail("the mp3 file ended inside its first frame header");
        }
    }

    @Override
    String name() {
        return "mp3";
    }
}

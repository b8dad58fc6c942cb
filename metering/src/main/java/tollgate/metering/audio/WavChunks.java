package tollgate.metering.audio;

/**
 * A RIFF WAVE file: its chunks walked by their sizes (padded to even) up to {@code data}, whose size over the
 * {@code fmt } chunk's byte rate is the length. A {@code data} size of 0 or 0xFFFFFFFF (a file written as a stream)
 * is read as the rest of the file. Compressed encodings, whose byte rate is an average, give no length.
 */
final class WavChunks extends Container {
    static final int CHUNK_HEADER = 8;
    private static final int FMT_BYTES = 16;
    private static final long UNKNOWN_SIZE = 0xffffffffL;

    private long byteRate = -1;
    /** The file offset where {@code data} starts when its size is not given; -1 otherwise. */
    private long dataStart = -1;
    private boolean inFmt;
    private long fmtRest;

    @Override
    void step(AudioDuration r) {
        if (inFmt) {
            fmt(r);
            return;
        }
        long size = r.u32le(4);
        long padded = size + (size & 1);
        if (r.ascii(0, "fmt ")) {
            if (size < FMT_BYTES) {
                r.fail("a wav fmt chunk of " + size + " bytes");
                return;
            }
            inFmt = true;
            fmtRest = padded - FMT_BYTES;
            r.skip(CHUNK_HEADER);
            r.need(FMT_BYTES);
        } else if (r.ascii(0, "data")) {
            if (byteRate < 0) {
                r.fail("a wav data chunk before its fmt chunk");
            } else if (size == 0 || size == UNKNOWN_SIZE) {
                r.skip(CHUNK_HEADER);
                dataStart = r.offset();
                r.skipToEnd();
            } else {
                r.done(size, byteRate);
            }
        } else {
            r.skip(CHUNK_HEADER + padded);
            r.need(CHUNK_HEADER);
        }
    }

    private void fmt(AudioDuration r) {
        inFmt = false;
        int tag = r.u16le(0);
        // WAVE_FORMAT_PCM, _IEEE_FLOAT, _ALAW, _MULAW, _EXTENSIBLE (mmreg.h): a constant byte rate
        if (tag != 1 && tag != 3 && tag != 6 && tag != 7 && tag != 0xfffe) {
            r.fail("a wav file in a compressed encoding (format tag 0x" + Integer.toHexString(tag) + ")");
            return;
        }
        byteRate = r.u32le(8);
        if (byteRate == 0) {
            r.fail("a wav fmt chunk with a byte rate of 0");
            return;
        }
        r.skip(FMT_BYTES + fmtRest);
        r.need(CHUNK_HEADER);
    }

    @Override
    void end(AudioDuration r) {
        if (dataStart >= 0) {
            r.done(r.fileBytes() - dataStart, byteRate);
        } else {
            r.fail("the wav file ended before its data chunk");
        }
    }

    @Override
    String name() {
        return "wav";
    }
}

package tollgate.metering.audio;

/**
 * An Ogg file (RFC 3533): pages walked by their headers, each body passed over unread, but the first one's, whose
 * identification header gives the sample rate (Vorbis, Opus at 48 kHz less its pre-skip, FLAC, Speex). The last
 * granule position of the first stream, in samples, over that rate is the length.
 */
final class OggPages extends Container {
    static final int PAGE_HEADER = 27;
    /** The first packet's bytes read: Speex's rate, the farthest, is at byte 36; FLAC's STREAMINFO ends at 35. */
    private static final int ID_BYTES = 40;
    private static final int OPUS_RATE = 48_000;

    private boolean segmentsRead;
    private boolean inFirstPacket;
    private long bodyBytes;
    private long serial = -1;
    private long sampleRate;
    private long preSkip;
    private long lastGranule = -1;

    @Override
    void step(AudioDuration r) {
        if (inFirstPacket) {
            identify(r);
            return;
        }
        if (!r.ascii(0, "OggS") || r.u8(4) != 0) {
            r.fail("an ogg file whose pages are out of sync at byte " + r.offset());
            return;
        }
        int segments = r.u8(26);
        if (!segmentsRead) {
            segmentsRead = true;
            r.need(PAGE_HEADER + segments);
            return;
        }
        segmentsRead = false;
        bodyBytes = 0;
        for (int i = 0; i < segments; i++) {
            bodyBytes += r.u8(PAGE_HEADER + i);
        }
        long granule = r.u64le(6);
        long pageSerial = r.u32le(14);
        if (serial < 0) {
            serial = pageSerial;
            if (bodyBytes == 0) {
                r.fail("an ogg file whose first page is empty");
                return;
            }
            inFirstPacket = true;
            r.skip(PAGE_HEADER + segments);
            r.need((int) Math.min(bodyBytes, ID_BYTES));
            return;
        }
        if (pageSerial == serial && granule != -1) {
            // -1: no packet ends on this page
            lastGranule = granule;
        }
        r.skip(PAGE_HEADER + segments + bodyBytes);
        r.need(PAGE_HEADER);
    }

    /** The first packet: which codec, and its sample rate. */
    private void identify(AudioDuration r) {
        inFirstPacket = false;
        if (r.ascii(0, "\u0001vorbis") && r.have >= 16) {
            sampleRate = r.u32le(12);
        } else if (r.ascii(0, "OpusHead") && r.have >= 12) {
            sampleRate = OPUS_RATE;
            preSkip = r.u16le(10);
        } else if (r.ascii(0, "\u007fFLAC") && r.ascii(9, "fLaC") && r.have >= 30) {
            sampleRate = FlacInfo.sampleRate(r, 27);
        } else if (r.ascii(0, "Speex   ") && r.have >= 40) {
            sampleRate = r.u32le(36);
        } else {
            r.fail("an ogg stream of a codec tollgate does not read (not vorbis, opus, flac or speex)");
            return;
        }
        if (sampleRate <= 0) {
            r.fail("an ogg stream with a sample rate of " + sampleRate);
            return;
        }
        r.skip(bodyBytes);
        r.need(PAGE_HEADER);
    }

    @Override
    void end(AudioDuration r) {
        if (sampleRate <= 0) {
            r.fail("the ogg file ended before its identification header");
        } else if (lastGranule < 0) {
            r.fail("an ogg file without a page that ends a packet");
        } else {
            r.done(lastGranule - preSkip, sampleRate);
        }
    }

    @Override
    String name() {
        return "ogg";
    }
}

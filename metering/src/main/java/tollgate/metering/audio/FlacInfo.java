package tollgate.metering.audio;

/**
 * A native FLAC file (after its {@code fLaC}): the first metadata block is {@code STREAMINFO}, whose total samples over
 * its sample rate is the length (RFC 9639, 8.2). A total of 0 means unknown: no length.
 */
final class FlacInfo extends Container {
    /** The block header (4 bytes) and STREAMINFO up to its total samples (18 bytes). */
    static final int NEEDED = 4 + 18;

    @Override
    void step(AudioDuration r) {
        if ((r.u8(0) & 0x7f) != 0) {
            r.fail("a flac file whose first metadata block is not STREAMINFO");
            return;
        }
        r.done(totalSamples(r, 14), sampleRate(r, 14));
    }

    /** STREAMINFO's 20-bit sample rate; {@code at} is where its 10th byte is. */
    static long sampleRate(AudioDuration r, int at) {
        return (long) r.u8(at) << 12 | r.u8(at + 1) << 4 | r.u8(at + 2) >> 4;
    }

    /** STREAMINFO's 36-bit total of samples (per channel); {@code at} is where its 10th byte is. */
    static long totalSamples(AudioDuration r, int at) {
        return (long) (r.u8(at + 3) & 0x0f) << 32 | r.u32be(at + 4);
    }

    @Override
    String name() {
        return "flac";
    }
}

package tollgate.metering.audio;

/**
 * An ISO base media file (MP4, M4A; ISO/IEC 14496-12): top-level boxes walked by their sizes, each passed over unread
 * ({@code mdat} too, however large), until {@code moov}, whose {@code mvhd} gives duration ÷ timescale. A
 * {@code moov} at the end of the file is found the same way. A duration of 0 (a fragmented file) or all ones
 * (unknown) gives no length.
 */
final class Mp4Boxes extends Container {
    static final int BOX_HEADER = 8;
    private static final int LARGE_HEADER = 16;
    /** mvhd's full-box header and, in version 1, creation and modification times, timescale and duration. */
    private static final int MVHD_BYTES = 4 + 8 + 8 + 4 + 8;

    /** The file offset where {@code moov} ends; -1 before it. */
    private long moovEnd = -1;
    private boolean inMvhd;

    @Override
    void step(AudioDuration r) {
        if (inMvhd) {
            mvhd(r);
            return;
        }
        if (moovEnd >= 0 && r.offset() >= moovEnd) {
            r.fail("an mp4 moov box without mvhd");
            return;
        }
        long size = r.u32be(0);
        int header = BOX_HEADER;
        if (size == 1) {
            if (r.have < LARGE_HEADER) {
                r.need(LARGE_HEADER);
                return;
            }
            size = r.u64be(8);
            header = LARGE_HEADER;
        }
        boolean moov = r.ascii(4, "moov");
        if (size == 0 && !moov) {
            r.fail("an mp4 file whose " + type(r) + " box runs to its end before any moov box");
            return;
        }
        if (size != 0 && size < header) {
            r.fail("an mp4 box of " + size + " bytes at byte " + r.offset());
            return;
        }
        if (moovEnd < 0 && moov) {
            moovEnd = size == 0 ? Long.MAX_VALUE : r.offset() + size;
            r.skip(header);
            r.need(BOX_HEADER);
        } else if (moovEnd >= 0 && r.ascii(4, "mvhd")) {
            if (size < header + 20) {
                r.fail("an mp4 mvhd box of " + size + " bytes");
                return;
            }
            inMvhd = true;
            r.skip(header);
            r.need((int) Math.min(size - header, MVHD_BYTES));
        } else {
            r.skip(size);
            r.need(BOX_HEADER);
        }
    }

    private void mvhd(AudioDuration r) {
        int version = r.u8(0);
        long timescale;
        long duration;
        boolean unknown;
        if (version == 1 && r.have >= MVHD_BYTES) {
            timescale = r.u32be(20);
            duration = r.u64be(24);
            unknown = duration == -1;
        } else if (version == 0) {
            timescale = r.u32be(12);
            duration = r.u32be(16);
            unknown = duration == 0xffffffffL;
        } else {
            r.fail("an mp4 mvhd box of version " + version);
            return;
        }
        if (unknown || duration == 0) {
            r.fail("an mp4 file whose mvhd gives no duration (a fragmented or live file)");
        } else {
            r.done(duration, timescale);
        }
    }

    private static String type(AudioDuration r) {
        StringBuilder s = new StringBuilder(4);
        for (int i = 4; i < 8; i++) {
            int c = r.u8(i);
            s.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return s.toString();
    }

    @Override
    void end(AudioDuration r) {
        r.fail(moovEnd < 0 ? "the mp4 file ended before its moov box" : "the mp4 file ended inside its moov box");
    }

    @Override
    String name() {
        return "mp4";
    }
}

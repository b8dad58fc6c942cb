package tollgate.metering.audio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The length of real audio files (made by lame, flac, oggenc, opusenc and ffmpeg: src/test/resources/tollgate/metering/
 * audio/README.md), read in every splitting a socket might deliver: whole, byte by byte, and at random cuts.
 */
class AudioDurationTest {

    @ParameterizedTest(name = "{0}: {1} s")
    @CsvSource({
        // file, seconds (ffprobe's format duration of each file, but where noted)
        "tone-ffmpeg.wav,        1.25",     // PCM u8 8 kHz after a LIST chunk: 10,000 bytes / 8,000 per second
        "tone-cbr-info.mp3,      1.584",    // ID3v2, then an Info frame: 44 frames of 576 samples at 16 kHz
        "tone-cbr-notag.mp3,     1.584",    // no tag at all: its 44 frames counted as they pass
        "tone-vbr-id3.mp3,       1.584",    // ID3v2, then a Xing frame (VBR)
        "tone-mpeg1.mp3,         1.044",    // MPEG-1 mono (Info at byte 21 of the frame): 29 frames of 1,152 at 32 kHz
        "tone.flac,              1.25",     // STREAMINFO: 10,000 samples at 8 kHz
        "tone.ogg,               1.25",     // Vorbis: last granule 10,000 at 8 kHz
        "tone-flac.oga,          1.25",     // FLAC in Ogg
        "tone-speex.spx,         1.491063", // Speex in Ogg: last granule 23,857 at 16 kHz; ffprobe says 1.5 (it adds
                                            // the encoder's 143-sample lookahead, which the granule leaves out)
        "tone.opus,              1.5",      // Opus: (last granule − pre-skip) / 48 kHz; ffprobe says 1.5065 (it adds
                                            // the pre-skip back), the 1.5 s of the source is what the granule says
        "tone-moov-last.m4a,     1.25",     // AAC, moov after mdat (ffmpeg's default)
        "tone-faststart.m4a,     1.25",     // AAC, moov before mdat
        "tone.webm,              1.508",    // Opus in WebM: Info's Duration
        "tone-live.webm,         1.5075",   // the same written to a pipe (no Duration; ffprobe: N/A): its last block
                                            // at 1,501 ms, one 20 ms Opus frame, less its DiscardPadding of 13.5 ms
                                            // (the other's Duration is this, to the ms)
    })
    void readsTheLengthOfARealFileInEverySplitting(String file, BigDecimal seconds) {
        byte[] bytes = resource(file);
        for (List<ByteBuffer> pieces : splittings(bytes)) {
            AudioDuration d = new AudioDuration();
            pieces.forEach(d::feed);
            d.end();
            assertThat(d.seconds()).as("%s in %d pieces (%s)", file, pieces.size(), d.reason())
                    .isEqualByComparingTo(seconds);
            assertThat(d.reason()).isNull();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "tone-fragmented.mp4    | an mp4 file whose mvhd gives no duration (a fragmented or live file)",
        "tone-live-vorbis.webm  | a webm file without a Duration whose track is not Opus (a live recording)",
    })
    void aFileWhoseContainerStatesNoLengthHasNoneWithItsReason(String file, String reason) {
        byte[] bytes = resource(file);
        for (List<ByteBuffer> pieces : splittings(bytes)) {
            AudioDuration d = new AudioDuration();
            pieces.forEach(d::feed);
            d.end();
            assertThat(d.seconds()).isNull();
            assertThat(d.reason()).isEqualTo(reason);
        }
    }

    @Test
    void aWavWrittenInCodeGivesItsDataOverItsByteRate() {
        // 2.5 s of 44.1 kHz stereo 16-bit PCM, after an odd-sized chunk (padded to even, RIFF)
        byte[] wav = wav(44_100, 2, 16, 44_100 * 4 * 5 / 2, false, 7);
        assertThat(read(wav).seconds()).isEqualByComparingTo("2.5");
        // a data size of 0xFFFFFFFF (written to a pipe): the rest of the file
        byte[] streamed = wav(16_000, 1, 16, 16_000 * 2 * 3 + 64, true, 0);
        assertThat(read(streamed).seconds()).isEqualByComparingTo("3.002");
    }

    @Test
    void aVbriHeaderGivesTheFrameCount() {
        // no encoder here writes Fraunhofer's VBRI: lame's first frame (MPEG-2 Layer III, 108 bytes) emptied and given
        // one, 32 bytes after its header (version, delay, quality, bytes, then 44 frames), the other frames left as
        // they are: 44 × 576 / 16,000
        byte[] mp3 = resource("tone-cbr-notag.mp3");
        java.util.Arrays.fill(mp3, 4, 108, (byte) 0);
        ByteBuffer.wrap(mp3, 36, 18).put("VBRI".getBytes()).putShort((short) 1).putShort((short) 0)
                .putShort((short) 75).putInt(mp3.length).putInt(44);
        assertThat(read(mp3).seconds()).isEqualByComparingTo("1.584");
        // without it, its 44 frames are counted: the same length
        java.util.Arrays.fill(mp3, 36, 40, (byte) 0);
        assertThat(read(mp3).seconds()).isEqualByComparingTo("1.584");
        ByteBuffer.wrap(mp3, 36, 18).put("VBRI".getBytes()).putShort((short) 1).putShort((short) 0)
                .putShort((short) 75).putInt(mp3.length).putInt(100);
        assertThat(read(mp3).seconds()).as("the header's count, not the frames'").isEqualByComparingTo("3.6");
    }

    @Test
    void secondsAreKeptToTheMicrosecondRoundedHalfUp() {
        // 1 s and one frame at 44.1 kHz mono 16-bit: 1.0000226757… s
        byte[] wav = wav(44_100, 1, 16, 44_100 * 2 + 2, false, 0);
        assertThat(read(wav).seconds()).isEqualTo(new BigDecimal("1.000023"));
    }

    @Test
    void aLargeFileIsReadWithoutHoldingIt() {
        // 20 MB of mdat before moov: walked past by its size, nothing of it kept
        byte[] m4a = resource("tone-moov-last.m4a");
        int mdatAt = 36;
        int mdatSize = (int) ByteBuffer.wrap(m4a, mdatAt, 4).getInt();
        byte[] head = java.util.Arrays.copyOfRange(m4a, 0, mdatAt);
        byte[] moov = java.util.Arrays.copyOfRange(m4a, mdatAt + mdatSize, m4a.length);
        long big = 20L * 1024 * 1024;
        ByteBuffer mdatHeader = ByteBuffer.allocate(8).putInt((int) (big + 8)).put("mdat".getBytes());
        AudioDuration d = new AudioDuration();
        d.feed(ByteBuffer.wrap(head));
        d.feed(mdatHeader.flip());
        byte[] chunk = new byte[64 * 1024];
        long before = allocated();
        for (long sent = 0; sent < big; sent += chunk.length) {
            d.feed(ByteBuffer.wrap(chunk));
        }
        long during = allocated() - before;
        d.feed(ByteBuffer.wrap(moov));
        d.end();
        assertThat(d.seconds()).isEqualByComparingTo("1.25");
        assertThat(during).as("bytes allocated while 20 MB passed").isLessThan(1024 * 1024);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''                    | an empty file",
        "RIFF                  | a file of 4 bytes is too short to be audio",
        "hello, this is text   | not an audio container tollgate reads (wav, mp3, mp4/m4a, flac, ogg, webm)",
    })
    void notAudioHasNoLengthAndSaysWhy(String text, String reason) {
        AudioDuration d = read(text.getBytes());
        assertThat(d.seconds()).isNull();
        assertThat(d.reason()).isEqualTo(reason);
    }

    @Test
    void aFileCutShortOrGarbledHasNoLengthNeverAGuess() {
        byte[] ogg = resource("tone.ogg");
        AudioDuration head = read(java.util.Arrays.copyOf(ogg, 40));
        assertThat(head.seconds()).isNull();
        assertThat(head.reason()).isEqualTo("the ogg file ended before its identification header");
        byte[] mp3 = resource("tone-cbr-notag.mp3");
        mp3[108 * 10] = 0x00;
        AudioDuration garbled = read(mp3);
        assertThat(garbled.seconds()).isNull();
        assertThat(garbled.reason()).isEqualTo("an mp3 file whose frames are out of sync at byte 1080");
        byte[] wav = wav(8_000, 1, 8, 100, false, 0);
        wav[20] = 0x55;
        assertThat(read(wav).reason()).isEqualTo("a wav file in a compressed encoding (format tag 0x55)");
    }

    @Test
    void garbageNeverThrowsNorLoops() {
        Random random = new Random(17);
        String[] starts = {"RIFF\0\0\0\0WAVE", "fLaC", "OggS", "\0\0\0\0ftyp", "\u001a\u0045\u00df\u00a3", "ID3", "\u00ff\u00fb"};
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[random.nextInt(600)];
            random.nextBytes(b);
            byte[] start = starts[i % starts.length].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            System.arraycopy(start, 0, b, 0, Math.min(start.length, b.length));
            AudioDuration d = new AudioDuration();
            int at = 0;
            while (at < b.length) {
                int n = 1 + random.nextInt(b.length - at);
                d.feed(ByteBuffer.wrap(b, at, n));
                at += n;
            }
            d.end();
            assertThat(d.seconds() != null || d.reason() != null).isTrue();
            assertThat(d.reason() == null || !d.reason().startsWith("unreadable")).as(d.reason()).isTrue();
        }
    }

    // --- helpers ---------------------------------------------------------------------------------------------------

    static AudioDuration read(byte[] bytes) {
        AudioDuration d = new AudioDuration();
        d.feed(ByteBuffer.wrap(bytes));
        d.end();
        return d;
    }

    /** The file whole, byte by byte, and in pieces cut at random (several seeds), each piece at an offset of its array. */
    static List<List<ByteBuffer>> splittings(byte[] bytes) {
        List<List<ByteBuffer>> out = new ArrayList<>();
        out.add(List.of(ByteBuffer.wrap(bytes)));
        List<ByteBuffer> ones = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            ones.add(ByteBuffer.wrap(bytes, i, 1));
        }
        out.add(ones);
        for (int seed = 0; seed < 20; seed++) {
            Random r = new Random(seed);
            List<ByteBuffer> pieces = new ArrayList<>();
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + r.nextInt(seed % 2 == 0 ? 16 : 700));
                pieces.add(ByteBuffer.wrap(bytes, at, n));
                at += n;
            }
            out.add(pieces);
        }
        return out;
    }

    static byte[] resource(String name) {
        try (InputStream in = AudioDurationTest.class.getResourceAsStream("/tollgate/metering/audio/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no audio fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A RIFF WAVE file of silence: {@code fmt } (PCM), a {@code LIST} chunk of {@code listBytes} (odd: padded), then
     * {@code dataBytes} of data, its size written as given or, {@code streamed}, as 0xFFFFFFFF.
     */
    static byte[] wav(int rate, int channels, int bits, int dataBytes, boolean streamed, int listBytes) {
        int list = listBytes == 0 ? 0 : 8 + listBytes + (listBytes & 1);
        ByteBuffer b = ByteBuffer.allocate(12 + 24 + list + 8 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(b.capacity() - 8).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        if (list > 0) {
            b.put("LIST".getBytes()).putInt(listBytes).position(b.position() + listBytes + (listBytes & 1));
        }
        b.put("data".getBytes()).putInt(streamed ? -1 : dataBytes);
        return b.array();
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }
}

package tollgate.metering.audio;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.metering.usage.MultipartAudio;

/**
 * The file of a transcription's {@code multipart/form-data} upload found and measured as the body streams past, in
 * every splitting: the file's own bytes may hold a CR LF and dashes that start the delimiter without being it.
 */
class MultipartAudioTest {
    static final String BOUNDARY = "----tg-0123456789abcdef";

    /** The form as openai-python sends it: text fields, then the file. */
    static byte[] form(String filename, byte[] file, boolean fieldsAfter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String fields = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\ntext\r\n";
        if (!fieldsAfter) {
            out.writeBytes(fields.getBytes(US_ASCII));
        }
        out.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(US_ASCII));
        out.writeBytes(file);
        out.writeBytes("\r\n".getBytes(US_ASCII));
        if (fieldsAfter) {
            // openai-java sends the file first
            out.writeBytes(fields.getBytes(US_ASCII));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(US_ASCII));
        return out.toByteArray();
    }

    @Test
    void theFilePartIsMeasuredInEverySplittingWhereverItsFieldsAre() {
        byte[] mp3 = AudioDurationTest.resource("tone-cbr-notag.mp3");
        for (boolean after : new boolean[] {false, true}) {
            byte[] body = form("speech.mp3", mp3, after);
            for (List<ByteBuffer> pieces : AudioDurationTest.splittings(body)) {
                MultipartAudio m = new MultipartAudio();
                pieces.forEach(m::onBytes);
                m.onEnd();
                assertThat(m.seconds()).as("%d pieces, fields after: %s (%s)", pieces.size(), after, m.reason())
                        .isEqualByComparingTo("1.584");
            }
        }
    }

    @Test
    void aModelFieldIsReadWhereverItIsWhenAsked() {
        byte[] mp3 = AudioDurationTest.resource("tone-vbr-id3.mp3");
        for (boolean after : new boolean[] {false, true}) {
            for (List<ByteBuffer> pieces : AudioDurationTest.splittings(form("speech.mp3", mp3, after))) {
                MultipartAudio asked = new MultipartAudio(true);
                MultipartAudio notAsked = new MultipartAudio();
                for (ByteBuffer p : pieces) {
                    asked.onBytes(p);
                    notAsked.onBytes(p);
                }
                asked.onEnd();
                notAsked.onEnd();
                assertThat(asked.model()).isEqualTo("whisper-1");
                assertThat(asked.seconds()).isEqualByComparingTo("1.584");
                assertThat(notAsked.model()).isNull();
                assertThat(notAsked.seconds()).isEqualByComparingTo("1.584");
            }
        }
    }

    @Test
    void bytesOfTheFileThatBeginTheDelimiterAreTheFilesOwn() {
        // a WAV whose data streams as the rest of the file (size 0xFFFFFFFF), so every byte counts: it holds CR LF,
        // "\r\n--", and the delimiter but its last byte
        byte[] wav = AudioDurationTest.wav(8_000, 1, 8, 8_000, true, 0);
        byte[] tricky = ("\r\n\r\n--\r\n--" + BOUNDARY.substring(0, BOUNDARY.length() - 1) + "\r").getBytes(US_ASCII);
        System.arraycopy(tricky, 0, wav, 100, tricky.length);
        System.arraycopy(tricky, 0, wav, wav.length - tricky.length, tricky.length);
        for (List<ByteBuffer> pieces : AudioDurationTest.splittings(form("a.wav", wav, true))) {
            MultipartAudio m = new MultipartAudio();
            pieces.forEach(m::onBytes);
            m.onEnd();
            assertThat(m.seconds()).as("%d pieces", pieces.size()).isEqualByComparingTo("1");
        }
    }

    @Test
    void aTwentyMegabyteUploadIsMeasuredWithoutHoldingIt() {
        // random data holds a CR every 256 bytes or so, each a delimiter's start to check and let go
        byte[] header = AudioDurationTest.wav(16_000, 1, 16, 0, true, 0);
        byte[] chunk = new byte[64 * 1024];
        new java.util.Random(15).nextBytes(chunk);
        byte[] form = form("big.wav", header, false);
        int fileEnd = form.length - ("\r\n--" + BOUNDARY + "--\r\n").length();
        MultipartAudio m = new MultipartAudio();
        m.onBytes(ByteBuffer.wrap(form, 0, fileEnd));
        long before = AudioDurationTest.allocated();
        for (int i = 0; i < 320; i++) {
            m.onBytes(ByteBuffer.wrap(chunk));
        }
        long during = AudioDurationTest.allocated() - before;
        m.onBytes(ByteBuffer.wrap(form, fileEnd, form.length - fileEnd));
        m.onEnd();
        // 320 × 64 KiB = 20,971,520 bytes at 32,000 a second
        assertThat(m.seconds()).isEqualByComparingTo("655.36");
        assertThat(during).as("bytes allocated while 20 MB passed").isLessThan(1024 * 1024);
    }

    @Test
    void everyContainerThroughAForm() {
        String[][] files = {{"tone-ffmpeg.wav", "1.25"}, {"tone-vbr-id3.mp3", "1.584"}, {"tone-moov-last.m4a", "1.25"},
            {"tone.flac", "1.25"}, {"tone.ogg", "1.25"}, {"tone.opus", "1.5"}, {"tone.webm", "1.508"}};
        for (String[] f : files) {
            MultipartAudio m = new MultipartAudio();
            m.onBytes(ByteBuffer.wrap(form(f[0], AudioDurationTest.resource(f[0]), false)));
            m.onEnd();
            assertThat(m.seconds()).as(f[0]).isEqualByComparingTo(f[1]);
        }
    }

    @Test
    void aBodyWithoutAMeasurableFileSaysWhy() {
        assertThat(reason("{\"model\":\"whisper-1\"}".getBytes(US_ASCII))).isEqualTo("not a multipart body");
        byte[] noFile = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--"
                + BOUNDARY + "--\r\n").getBytes(US_ASCII);
        assertThat(reason(noFile)).isEqualTo("the upload has no file part");
        byte[] form = form("a.mp3", AudioDurationTest.resource("tone-cbr-notag.mp3"), false);
        assertThat(reason(java.util.Arrays.copyOf(form, form.length / 2))).isEqualTo("the upload ended inside its file");
        assertThat(reason(form("a.txt", "just some text, not audio".getBytes(US_ASCII), false)))
                .isEqualTo("not an audio container tollgate reads (wav, mp3, mp4/m4a, flac, ogg, webm)");
    }

    private static String reason(byte[] body) {
        MultipartAudio m = new MultipartAudio();
        m.onBytes(ByteBuffer.wrap(body));
        m.onEnd();
        assertThat(m.seconds()).isNull();
        return m.reason();
    }
}

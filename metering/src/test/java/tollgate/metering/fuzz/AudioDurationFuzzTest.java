package tollgate.metering.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import tollgate.metering.audio.AudioDuration;
import tollgate.metering.usage.MultipartAudio;

/**
 * Fuzz target (issue 15): the audio length reader on any bytes cut anywhere, alone and as the file of a multipart
 * upload: no exception, no loop, the same length or reason as from the whole file, and a reason whenever there is no
 * length. Seeds: small real files of {@code tollgate/metering/audio/} (its README says how they were made).
 */
class AudioDurationFuzzTest {
    private static final byte[] HEAD = ("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\r\n--b--\r\n".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "20s")
    void anyFileCutAnywhereReadsTheSameAsWhole(FuzzedDataProvider in) {
        int[] cuts = Cuts.draw(in, 6, 1 << 14);
        byte[] file = in.consumeRemainingAsBytes();
        AudioDuration whole = read(file, new int[0]);
        AudioDuration cut = read(file, cuts);
        assertThat(cut.seconds()).isEqualTo(whole.seconds());
        assertThat(cut.reason()).isEqualTo(whole.reason());
        assertThat(whole.seconds() == null).isEqualTo(whole.reason() != null);
        assertThat(whole.reason() == null || !whole.reason().startsWith("unreadable")).as(whole.reason()).isTrue();

        byte[] form = new byte[HEAD.length + file.length + TAIL.length];
        System.arraycopy(HEAD, 0, form, 0, HEAD.length);
        System.arraycopy(file, 0, form, HEAD.length, file.length);
        System.arraycopy(TAIL, 0, form, HEAD.length + file.length, TAIL.length);
        MultipartAudio upload = new MultipartAudio();
        Cuts.feed(form, cuts, upload::onBytes);
        upload.onEnd();
        if (!containsDelimiter(file)) {
            // the file's own bytes never end its part early: the same answer as the file alone
            assertThat(upload.seconds()).isEqualTo(whole.seconds());
        }
        assertThat(upload.seconds() == null).isEqualTo(upload.reason() != null);
    }

    private static AudioDuration read(byte[] file, int[] cuts) {
        AudioDuration d = new AudioDuration();
        Cuts.feed(file, cuts, d::feed);
        d.end();
        return d;
    }

    private static boolean containsDelimiter(byte[] file) {
        for (int i = 0; i + 4 < file.length; i++) {
            if (file[i] == '\r' && file[i + 1] == '\n' && file[i + 2] == '-' && file[i + 3] == '-' && file[i + 4] == 'b') {
                return true;
            }
        }
        return false;
    }
}

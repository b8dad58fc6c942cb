package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The log's and the store's UTF-8: what {@link String#getBytes} makes of the same text, char class by char class. */
class Utf8Test {
    @Test
    void everyCharBeyondAsciiIsEncodedAsTheJdkEncodesIt() {
        StringBuilder all = new StringBuilder();
        for (char c = 0x80; c < 0xD800; c += 7) {
            all.append(c);
        }
        for (char c = 0xE000; c != 0; c += 5) {
            all.append(c);
        }
        all.append("😀\uD83D\uDE00 \uD800 lone high, \uDC00 lone low, high at the end \uD83D");
        String s = all.toString().replace(" ", "").replaceAll("[\\x00-\\x7F]", "");
        byte[] b = new byte[s.length() * Utf8.MAX_BYTES_PER_CHAR];
        int p = 0;
        for (int i = 0; i < s.length(); i++) {
            p = Utf8.put(s, i, b, p);
            if (Utf8.pairAt(s, i)) {
                i++;
            }
        }
        assertThat(Arrays.copyOf(b, p)).isEqualTo(s.getBytes(StandardCharsets.UTF_8));
    }
}

package tollgate.bench.mock;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamFlagScannerTest {
    @Test
    void streamTrueIsFoundWithOrWithoutBlanks() {
        assertThat(StreamFlagScanner.stream(body("{\"model\":\"m\",\"stream\":true}"))).isTrue();
        assertThat(StreamFlagScanner.stream(body("{\"stream\" :\n true}"))).isTrue();
        assertThat(StreamFlagScanner.stream(body("{\"stream\":false}"))).isFalse();
        assertThat(StreamFlagScanner.stream(body("{\"model\":\"m\"}"))).isFalse();
    }

    @Test
    void includeUsageIsReadInsideStreamOptions() {
        assertThat(StreamFlagScanner.includeUsage(body("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}"))).isTrue();
        assertThat(StreamFlagScanner.includeUsage(body("{\"stream\":true,\"stream_options\":{\"include_usage\":false}}"))).isFalse();
    }

    /** Not tracked by the leak detector: a wrapped array needs no release. */
    private static io.netty.buffer.ByteBuf body(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
    }
}

package tollgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.bench.mock.ChatBodies;
import tollgate.bench.mock.MockOptions;

class StampScannerTest {
    @Test
    void findsEveryStampWhereverTheReadsSplitTheStream() {
        ChatBodies.Stream events = ChatBodies.streamEvents(MockOptions.DEFAULTS, true);
        ByteBuf all = Unpooled.buffer();
        long[] sent = {1L, 1_234_567_890_123L, 9_000_000_000_000_000_000L};
        for (long s : sent) {
            ByteBuf one = ChatBodies.stampedForTest(ByteBufAllocator.DEFAULT, events, s);
            all.writeBytes(one);
            one.release();
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        for (int split = 1; split < bytes.length; split += 7) {
            List<Long> found = new ArrayList<>();
            StampScanner scanner = new StampScanner();
            for (int at = 0; at < bytes.length; at += split) {
                ByteBuf part = Unpooled.wrappedBuffer(bytes, at, Math.min(split, bytes.length - at));
                scanner.feed(part, 0, (s, arrived) -> found.add(s));
            }
            assertThat(found).as("reads of %d bytes", split).containsExactly(sent[0], sent[1], sent[2]);
        }
    }

    @Test
    void ignoresAFingerprintThatIsNotDigits() {
        List<Long> found = new ArrayList<>();
        new StampScanner().feed(Unpooled.wrappedBuffer("\"system_fingerprint\":\"fp_bench\"".getBytes(StandardCharsets.US_ASCII)), 0,
                (s, arrived) -> found.add(s));
        assertThat(found).isEmpty();
    }
}

package tollgate.metering.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.List;
import tollgate.metering.sse.SseDecoder;

/**
 * Fuzz target (issue 17): the SSE decoder on any bytes, cut anywhere, decodes the same events as from the whole
 * body, and never throws. Seeds: the recorded streams of {@code fixtures/} (see {@code SseDecoderFuzzTestInputs}).
 */
class SseDecoderFuzzTest {
    record Event(String name, String data, long start, long end) {}

    static List<Event> decode(byte[] body, int[] cuts, int maxEventBytes) {
        List<Event> out = new ArrayList<>();
        SseDecoder d = new SseDecoder((name, data, start, end) -> out.add(new Event(name, data, start, end)), maxEventBytes);
        Cuts.feed(body, cuts, d::feed);
        d.end();
        return out;
    }

    @FuzzTest(maxDuration = "20s")
    void anyCutDecodesTheSameEventsAsTheWhole(FuzzedDataProvider in) {
        int maxEventBytes = in.consumeInt(64, 1 << 16);
        int[] cuts = Cuts.draw(in, 8, 1 << 16);
        byte[] body = in.consumeRemainingAsBytes();
        assertThat(decode(body, cuts, maxEventBytes)).isEqualTo(decode(body, new int[0], maxEventBytes));
    }
}

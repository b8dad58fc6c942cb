package tollgate.metering.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.Consumer;

/** Where the fuzz targets cut a body into the pieces a socket might deliver. */
final class Cuts {
    private Cuts() {}

    /** Up to {@code max} sorted cut offsets below {@code bound}, drawn from {@code in}. */
    static int[] draw(FuzzedDataProvider in, int max, int bound) {
        int[] cuts = new int[in.consumeInt(0, max)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = in.consumeInt(0, bound);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    /** Hands {@code body} to {@code sink} in the pieces between {@code cuts} (offsets past the end are clamped). */
    static void feed(byte[] body, int[] cuts, Consumer<ByteBuffer> sink) {
        int from = 0;
        for (int cut : cuts) {
            int to = Math.max(from, Math.min(body.length, cut));
            sink.accept(ByteBuffer.wrap(body, from, to - from));
            from = to;
        }
        sink.accept(ByteBuffer.wrap(body, from, body.length - from));
    }
}

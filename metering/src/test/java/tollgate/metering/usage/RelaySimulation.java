package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Plays the proxy's part for a {@link ResponseMeter}: feeds a body in pieces and forwards bytes the way the
 * relay must (everything at once, or, when the meter holds back, up to the releasable offset minus the dropped
 * ranges), checking the meter's promises on the way.
 */
final class RelaySimulation {
    private final ResponseMeter meter;
    private final byte[] body;
    private final boolean direct;
    private final ByteArrayOutputStream forwarded = new ByteArrayOutputStream();
    private long forwardedUpTo;
    private long received;

    private RelaySimulation(ResponseMeter meter, byte[] body, boolean direct) {
        this.meter = meter;
        this.body = body;
        this.direct = direct;
    }

    /** Feeds {@code body} cut at {@code cuts} (ascending offsets) and returns the bytes the client receives. */
    static byte[] run(ResponseMeter meter, byte[] body, int[] cuts, boolean direct) {
        RelaySimulation relay = new RelaySimulation(meter, body, direct);
        int from = 0;
        for (int cut : cuts) {
            relay.piece(from, cut);
            from = cut;
        }
        relay.piece(from, body.length);
        meter.onEnd();
        relay.release(meter.takeDroppedRanges(), body.length);
        return relay.forwarded.toByteArray();
    }

    private void piece(int from, int to) {
        if (from == to) {
            return;
        }
        ByteBuffer buf;
        if (direct) {
            buf = ByteBuffer.allocateDirect(to - from + 10);
            buf.position(5);
            buf.put(body, from, to - from);
            buf.flip().position(5);
        } else {
            buf = ByteBuffer.wrap(body, from, to - from);
        }
        int position = buf.position();
        int limit = buf.limit();
        meter.onBytes(buf);
        assertThat(buf.position()).as("position after onBytes").isEqualTo(position);
        assertThat(buf.limit()).as("limit after onBytes").isEqualTo(limit);
        received = to;
        if (!meter.holdsBack()) {
            forwarded.write(body, from, to - from);
            forwardedUpTo = to;
            return;
        }
        long releasable = meter.releasableOffset();
        assertThat(releasable).isBetween(forwardedUpTo, received);
        release(meter.takeDroppedRanges(), releasable);
    }

    private void release(List<long[]> dropped, long upTo) {
        for (long[] range : dropped) {
            assertThat(range[0]).as("dropped range start").isGreaterThanOrEqualTo(forwardedUpTo);
            assertThat(range[1]).as("dropped range end").isLessThanOrEqualTo(upTo).isGreaterThan(range[0]);
            forwarded.write(body, (int) forwardedUpTo, (int) (range[0] - forwardedUpTo));
            forwardedUpTo = range[1];
        }
        forwarded.write(body, (int) forwardedUpTo, (int) (upTo - forwardedUpTo));
        forwardedUpTo = upTo;
    }
}

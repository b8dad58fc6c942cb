package tollgate.bench.jmh;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import tollgate.metering.sse.SseDecoder;

/**
 * {@link SseDecoder} on a 200-chunk chat stream: time per event, fed one event per read or in 8 KiB reads; each
 * event's data as bytes (what metering uses) or as a String.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SseDecoderBenchmark {
    static final int EVENTS = 200 + 4;

    @Param({"event", "8192"})
    public String reads;

    private List<ByteBuffer> chunks;

    @Setup
    public void setUp() {
        List<ByteBuffer> events = ChatStreamFixture.stream(200, true);
        if (reads.equals("event")) {
            chunks = events;
            return;
        }
        int total = events.stream().mapToInt(ByteBuffer::remaining).sum();
        ByteBuffer all = ByteBuffer.allocate(total);
        events.forEach(e -> all.put(e.duplicate()));
        all.flip();
        int size = Integer.parseInt(reads);
        chunks = new java.util.ArrayList<>();
        for (int at = 0; at < total; at += size) {
            chunks.add(all.duplicate().position(at).limit(Math.min(total, at + size)).slice());
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long decodeStream(Blackhole bh) {
        SseDecoder d = new SseDecoder((name, data, offset, length, start, end) -> bh.consume(data[offset]));
        for (ByteBuffer b : chunks) {
            d.feed(b);
        }
        d.end();
        return d.position();
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long decodeStreamToStrings(Blackhole bh) {
        SseDecoder d = new SseDecoder((name, data, start, end) -> bh.consume(data));
        for (ByteBuffer b : chunks) {
            d.feed(b);
        }
        d.end();
        return d.position();
    }
}

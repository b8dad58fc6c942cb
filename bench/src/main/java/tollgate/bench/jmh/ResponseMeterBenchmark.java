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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.Usage;

/**
 * Usage extraction per call: {@link ResponseMeter} on a JSON body and per event of a 200-chunk stream (with the
 * usage chunk tollgate injected and removes), and {@link RequestInfo} on the request body.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseMeterBenchmark {
    private List<ByteBuffer> stream;
    private ByteBuffer body;
    private byte[] request;

    @Setup
    public void setUp() {
        stream = ChatStreamFixture.stream(200, true);
        body = ChatStreamFixture.bytes(ChatStreamFixture.BODY);
        request = ChatStreamFixture.REQUEST.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Per JSON body: what every non-streamed call pays. */
    @Benchmark
    public Usage jsonBody() {
        ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, "application/json", false);
        m.onBytes(body.duplicate());
        m.onEnd();
        return m.usage();
    }

    /** Per event of a stream, the proxy's hold-back bookkeeping included. */
    @Benchmark
    @OperationsPerInvocation(SseDecoderBenchmark.EVENTS)
    public long streamPerEvent() {
        ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, "text/event-stream; charset=utf-8", true);
        long released = 0;
        for (ByteBuffer b : stream) {
            m.onBytes(b.duplicate());
            released += m.takeDroppedRanges().size() + m.releasableOffset();
        }
        m.onEnd();
        Usage u = m.usage();
        return released + (u == null ? 0 : u.totalTokens());
    }

    /** Per request: parse the body (model, stream, user, max tokens) and add include_usage. */
    @Benchmark
    public byte[] requestInfo() {
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, request);
        return info.needsUsageInjection() ? info.withUsageInjected() : request;
    }
}

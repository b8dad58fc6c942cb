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
import tollgate.metering.usage.BodySplice;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.Usage;

/**
 * Usage extraction per call: {@link ResponseMeter} on a JSON body and per event of a 200-chunk stream (with the
 * usage chunk tollgate injected and removes), {@link RequestInfo} on the request body (scan and splice, from a
 * direct buffer as the proxy's pooled buffers are, and from an array), and the two together: what a non-streamed
 * call costs the event loop.
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
    private ByteBuffer directRequest;

    @Setup
    public void setUp() {
        stream = ChatStreamFixture.stream(200, true);
        body = ChatStreamFixture.bytes(ChatStreamFixture.BODY);
        request = ChatStreamFixture.REQUEST.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        directRequest = ByteBuffer.allocateDirect(request.length).put(request).flip();
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

    /** Per request: scan the body (model, stream, user, max tokens) in a direct buffer and place include_usage. */
    @Benchmark
    public BodySplice requestInfo() {
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, directRequest);
        return info.needsUsageInjection() ? info.usageSplice() : null;
    }

    /** The same from a byte[], parsed in place. */
    @Benchmark
    public BodySplice requestInfoArray() {
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, request);
        return info.needsUsageInjection() ? info.usageSplice() : null;
    }

    /** What a non-streamed call costs metering on the event loop: the request scan and the meter of a ~1 KB answer. */
    @Benchmark
    public long nonStreamedCall() {
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, directRequest);
        ResponseMeter m = ResponseMeter.create(info.endpoint(), 200, "application/json", false);
        m.onBytes(body.duplicate());
        m.onEnd();
        Usage u = m.usage();
        return (info.model() == null ? 0 : 1) + (u == null ? 0 : u.totalTokens());
    }
}

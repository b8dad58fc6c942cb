package tollgate.bench.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
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
 * Metering of 1 MiB bodies (bench scenario 4): a 1 MiB JSON answer fed in 64 KiB reads as the proxy does, and
 * the parse of a 1 MiB request body; both run on the event loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LargeBodyBenchmark {
    private static final int MIB = 1 << 20;
    private static final int READ = 64 << 10;

    private ByteBuffer response;
    private byte[] request;
    private ByteBuffer[] composite;

    @Setup
    public void setUp() {
        String body = ChatStreamFixture.BODY;
        int at = body.indexOf("\"content\":\"") + "\"content\":\"".length();
        String filler = "lorem ipsum dolor sit amet ".repeat(MIB / 27 + 1).substring(0, MIB - body.length());
        response = ChatStreamFixture.bytes(body.substring(0, at) + filler + body.substring(at));
        String req = ChatStreamFixture.REQUEST;
        int r = req.indexOf("please. ") + "please. ".length();
        request = (req.substring(0, r) + filler + req.substring(r)).getBytes(StandardCharsets.UTF_8);
        composite = new ByteBuffer[(request.length + READ - 1) / READ];
        for (int i = 0; i < composite.length; i++) {
            int from = i * READ;
            int n = Math.min(READ, request.length - from);
            composite[i] = ByteBuffer.allocateDirect(n).put(request, from, n).flip();
        }
    }

    @Benchmark
    public Usage responseMeter1MiB() {
        ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, "application/json", false);
        for (int at = 0; at < response.limit(); at += READ) {
            m.onBytes(response.duplicate().position(at).limit(Math.min(response.limit(), at + READ)));
        }
        m.onEnd();
        return m.usage();
    }

    @Benchmark
    public RequestInfo requestInfo1MiB() {
        return RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, request);
    }

    /** The 1 MiB request as the aggregator holds it: 16 direct buffers of 64 KiB (a composite body's nioBuffers()). */
    @Benchmark
    public RequestInfo requestInfo1MiBComposite() {
        return RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, composite);
    }
}

package tollgate.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.Usage;

/**
 * One streamed chat chunk's JSON, per event: a String plus a Jackson tree (how metering read chunks before the
 * streaming parsers), a new streaming parser per chunk over the bytes ({@link StreamingChunkSketch}), and what
 * metering does now: {@link ResponseMeter} (SSE decoding included) fed one event per direct buffer, as the proxy's
 * pooled buffers arrive, its events read by one per-thread non-blocking parser.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChunkParseBenchmark {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final List<byte[]> datas = new ArrayList<>();
    private final List<ByteBuffer> directEvents = new ArrayList<>();

    @Setup
    public void setUp() {
        for (ByteBuffer b : ChatStreamFixture.stream(200, true)) {
            directEvents.add(ByteBuffer.allocateDirect(b.remaining()).put(b.duplicate()).flip());
            String event = StandardCharsets.UTF_8.decode(b.duplicate()).toString();
            String data = event.substring("data: ".length()).strip();
            if (!data.equals("[DONE]")) {
                datas.add(data.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(SseDecoderBenchmark.EVENTS - 1)
    public long stringAndTree() throws IOException {
        long n = 0;
        StringBuilder text = new StringBuilder(256);
        for (byte[] d : datas) {
            JsonNode root = MAPPER.readTree(new String(d, StandardCharsets.UTF_8));
            JsonNode choices = root.get("choices");
            for (JsonNode c : choices) {
                JsonNode content = c.path("delta").get("content");
                if (content != null && content.isTextual()) {
                    text.append(content.textValue());
                }
            }
            JsonNode usage = root.get("usage");
            if (usage != null && usage.isObject()) {
                n += usage.path("prompt_tokens").asLong();
            }
        }
        return n + text.length();
    }

    @Benchmark
    @OperationsPerInvocation(SseDecoderBenchmark.EVENTS - 1)
    public long streamingParser() throws IOException {
        StreamingChunkSketch s = new StreamingChunkSketch();
        for (byte[] d : datas) {
            s.read(d, 0, d.length);
        }
        return s.promptTokens + s.text.length();
    }

    @Benchmark
    @OperationsPerInvocation(SseDecoderBenchmark.EVENTS)
    public long responseMeter() {
        ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, "text/event-stream", false);
        for (ByteBuffer b : directEvents) {
            m.onBytes(b.duplicate());
        }
        m.onEnd();
        Usage u = m.usage();
        return (u == null ? 0 : u.inputTokens()) + m.streamedText().length();
    }
}

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

/**
 * One streamed chat chunk's JSON, per event: a String plus a Jackson tree (how metering reads chunks today) against
 * the streaming parser over the bytes ({@link StreamingChunkSketch}). The difference is what a rewrite of
 * {@code StreamEventReader} would save per chunk.
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

    @Setup
    public void setUp() {
        for (ByteBuffer b : ChatStreamFixture.stream(200, true)) {
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
}

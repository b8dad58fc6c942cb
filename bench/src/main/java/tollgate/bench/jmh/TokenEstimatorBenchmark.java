package tollgate.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import tollgate.metering.estimate.StreamedTextCounter;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.usage.Endpoint;

/**
 * Token estimation: a short chat prompt (what a budget reservation costs per request), a 4 KiB text, and the
 * streamed-text counter fed 200 deltas (what a stream without usage costs).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokenEstimatorBenchmark {
    private static final String[] WORDS = {"The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", "."};

    private TokenEstimator estimator;
    private JsonNode prompt;
    private String text4k;

    @Setup
    public void setUp() throws Exception {
        estimator = new TokenEstimator(Runnable::run);
        prompt = new ObjectMapper().readTree(ChatStreamFixture.REQUEST);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 4096; i++) {
            sb.append(WORDS[i % WORDS.length]);
        }
        text4k = sb.toString();
    }

    @Benchmark
    public long chatPrompt() {
        return estimator.promptTokens(null, Endpoint.CHAT_COMPLETIONS, prompt);
    }

    @Benchmark
    public long text4KiB() {
        return estimator.countText(ChatStreamFixture.MODEL, text4k);
    }

    @Benchmark
    public long streamedText200Deltas() {
        StreamedTextCounter c = estimator.streamCounter(ChatStreamFixture.MODEL);
        for (int i = 0; i < 200; i++) {
            c.append(WORDS[i % WORDS.length]);
        }
        return c.tokens();
    }
}

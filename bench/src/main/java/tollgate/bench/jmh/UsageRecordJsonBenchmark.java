package tollgate.bench.jmh;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
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
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;

/** The usage log line every metered call writes (SPEC 8). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class UsageRecordJsonBenchmark {
    private UsageRecord record;

    @Setup
    public void setUp() {
        record = new UsageRecord(Instant.parse("2026-11-22T10:30:45.123Z"), "req_0123456789abcdef", "storybot",
                "/v1/chat/completions", ChatStreamFixture.MODEL, "gpt-4o-mini", true, 200, 1250, 0, 150, 0, 1400, false,
                new BigDecimal("0.0002775"), 2340, 310, "123", Map.of("operation", "rag_answer"), null);
    }

    @Benchmark
    public String toJson() {
        return UsageRecordJson.toJson(record);
    }
}

package tollgate.bench.jmh;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteBufferFeeder;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Jackson's non-blocking parser over one JSON answer, as {@code JsonBodyScanner} uses it, with and without
 * {@code close()} at the end: a parser that is never closed keeps its field names out of the factory's shared
 * symbol table (so every answer re-adds and re-hashes them, copying the table) and never returns its buffers
 * to the recycler.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NonBlockingParserBenchmark {
    @Param({"false", "true"})
    public boolean close;

    private final ObjectMapper mapper = new ObjectMapper();
    private ByteBuffer body;

    @Setup
    public void setUp() {
        body = ChatStreamFixture.bytes(ChatStreamFixture.BODY);
    }

    @Benchmark
    public int scanBody() throws IOException {
        JsonParser p = mapper.getFactory().createNonBlockingByteBufferParser();
        ((ByteBufferFeeder) p.getNonBlockingInputFeeder()).feedInput(body.duplicate());
        int tokens = 0;
        JsonToken t;
        while ((t = p.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
            tokens++;
        }
        if (close) {
            p.close();
        }
        return tokens;
    }
}

package tollgate.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.bench.mock.MockOptions;
import tollgate.bench.mock.MockUpstream;
import tollgate.proxy.server.Transport;

/** A few hundred milliseconds of each driver mode against the mock: the harness works end to end. */
class MockAndDriverTest {
    private static final long MS = 1_000_000L;

    private MockUpstream mock;
    private EventLoopGroup group;
    private Transport transport;
    private InetSocketAddress target;

    @BeforeEach
    void start() throws InterruptedException {
        mock = MockUpstream.start(new InetSocketAddress("127.0.0.1", 0), 1, MockOptions.DEFAULTS);
        transport = Transport.of(tollgate.config.ServerConfig.Transport.AUTO);
        group = transport.newGroup(1);
        target = new InetSocketAddress("127.0.0.1", mock.port());
    }

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        mock.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void openLoopSendsAtTheRateAndEveryAnswerIsOk() throws InterruptedException {
        Map<String, Object> r;
        try (RequestTemplate req = RequestTemplate.chat("127.0.0.1:" + mock.port(), "/v1/chat/completions", 0, false, false, Map.of())) {
            r = new OpenLoopRun(group, transport, target, req, 4, 200, 100 * MS, 500 * MS).run();
        }
        assertThat((long) r.get("requests")).isBetween(80L, 101L);
        assertThat(r.get("non_2xx")).isEqualTo(0L);
        assertThat(r.get("failures")).isEqualTo(0L);
        assertThat((Map<String, Object>) r.get("latency_us")).containsKey("p99");
    }

    @Test
    void closedLoopCountsOnlyAnswersInsideTheWindow() throws InterruptedException {
        Map<String, Object> r;
        try (RequestTemplate req = RequestTemplate.chat("127.0.0.1:" + mock.port(), "/v1/chat/completions", 0, false, false,
                Map.of("x-mock-ttfb-ms", "10"))) {
            r = new ClosedLoopRun(group, transport, target, req, 2, 100 * MS, 500 * MS).run();
        }
        // two connections, 10 ms per answer, 500 ms measured: at most 100 answers
        assertThat((long) r.get("requests")).isBetween(40L, 100L);
        assertThat(r.get("failures")).isEqualTo(0L);
    }

    @Test
    void streamsDeliverEveryStampedChunk() throws InterruptedException {
        Map<String, Object> r;
        try (RequestTemplate req = RequestTemplate.chat("127.0.0.1:" + mock.port(), "/v1/chat/completions", 0, true, true,
                Map.of("x-mock-chunks", "10", "x-mock-chunk-delay-ms", "5"))) {
            r = new StreamRun(group, transport, target, req, 5, 5 * MS, 50 * MS, 0, 300 * MS).run();
        }
        assertThat((long) r.get("completed_streams")).isPositive();
        assertThat((long) r.get("chunks")).isPositive();
        assertThat(r.get("failures")).isEqualTo(0L);
        assertThat(r.get("unfinished")).isEqualTo(0);
    }
}

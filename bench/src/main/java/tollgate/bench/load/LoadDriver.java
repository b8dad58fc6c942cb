package tollgate.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import tollgate.bench.Flags;
import tollgate.proxy.server.Transport;

/**
 * The load driver: one run against one target, its result as one JSON object.
 *
 * <pre>
 * java -cp tollgate-bench.jar tollgate.bench.load.LoadDriver --target 127.0.0.1:18080 --mode rate|closed|stream
 *      [--rate 1000] [--connections 64] [--streams 1000] [--warmup-ms 5000] [--duration-ms 20000]
 *      [--request-bytes N] [--include-usage] [--mock-chunks N] [--mock-chunk-delay-ms N] [--mock-body-bytes N]
 *      [--mock-ttfb-ms N] [--threads 2] [--watch-pids P1,P2] [--heap-pid P] [--label TEXT] [--out FILE]
 *      [--metered-metric tollgate_usage_log_records_total]
 * </pre>
 *
 * <p>{@code --metered-metric NAME} reads that counter from the target's {@code /metrics} before the run and after
 * it (waiting up to 10 s for it to catch up with the streams or requests the driver completed) and reports the
 * difference as {@code metered.records}: for tollgate, the usage-log records its calls wrote.
 */
public final class LoadDriver {
    private LoadDriver() {
    }

    public static void main(String[] args) throws Exception {
        Flags f = Flags.parse(args);
        String target = f.string("target", "127.0.0.1:18080");
        String mode = f.string("mode", "rate");
        String path = f.string("path", "/v1/chat/completions");
        int threads = f.intValue("threads", 2, 1, 64);
        long warmupNanos = TimeUnit.MILLISECONDS.toNanos(f.longValue("warmup-ms", 5_000, 0, 600_000));
        long durationNanos = TimeUnit.MILLISECONDS.toNanos(f.longValue("duration-ms", 20_000, 100, 3_600_000));
        int requestBytes = f.intValue("request-bytes", 0, 0, 64 << 20);
        boolean includeUsage = f.bool("include-usage");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : List.of("chunks", "chunk-delay-ms", "chunk-bytes", "body-bytes", "ttfb-ms")) {
            String v = f.string("mock-" + name);
            if (v != null) {
                headers.put("x-mock-" + name, v);
            }
        }
        int rate = f.intValue("rate", 1000, 1, 1_000_000);
        int connections = f.intValue("connections", 64, 1, 20_000);
        int streams = f.intValue("streams", 1000, 1, 20_000);
        List<Long> watchPids = f.longs("watch-pids");
        long heapPid = f.longValue("heap-pid", 0, 0, Long.MAX_VALUE);
        String label = f.string("label", mode);
        @Nullable String meteredMetric = f.string("metered-metric");
        @Nullable String out = f.string("out");
        f.requireAllKnown();

        int colon = target.lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        boolean stream = mode.equals("stream");
        RequestTemplate request = RequestTemplate.chat(target, path, requestBytes, stream, includeUsage, headers);
        Transport transport = Transport.of(tollgate.config.ServerConfig.Transport.AUTO);
        EventLoopGroup group = transport.newGroup(threads);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("label", label);
        result.put("target", target);
        result.put("request_body_bytes", request.bodyBytes());
        result.put("warmup_ms", TimeUnit.NANOSECONDS.toMillis(warmupNanos));
        result.put("duration_ms", TimeUnit.NANOSECONDS.toMillis(durationNanos));
        MeteredCounter metered = meteredMetric == null ? null : new MeteredCounter(target, meteredMetric);
        double meteredBefore = metered == null ? 0 : metered.read();
        try (ProcessProbe probe = new ProcessProbe(watchPids)) {
            if (heapPid > 0) {
                // the middle of the measured window: every stream open, the process in its steady state
                probe.heapInfoIn(heapPid, warmupNanos + durationNanos / 2);
            }
            probe.cpuStartIn(warmupNanos);
            Map<String, Object> r = switch (mode) {
                case "rate" -> new OpenLoopRun(group, transport, addr, request, connections, rate, warmupNanos, durationNanos).run();
                case "closed" -> new ClosedLoopRun(group, transport, addr, request, connections, warmupNanos, durationNanos).run();
                case "stream" -> {
                    long chunks = Long.parseLong(headers.getOrDefault("x-mock-chunks", "20"));
                    long delayNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(headers.getOrDefault("x-mock-chunk-delay-ms", "0")));
                    yield new StreamRun(group, transport, addr, request, streams, delayNanos, chunks * delayNanos,
                            warmupNanos, durationNanos).run();
                }
                default -> throw new IllegalArgumentException("--mode: " + mode + " (expected: rate, closed or stream)");
            };
            probe.cpuEnd();
            result.putAll(r);
            result.put("host_cpu_busy", Math.round(probe.hostBusy() * 1000) / 1000.0);
            if (!watchPids.isEmpty() || heapPid > 0) {
                result.put("process", probe.result());
            }
            if (metered != null) {
                Object done = r.containsKey("completed_streams_total") ? r.get("completed_streams_total") : r.get("requests");
                long expected = done instanceof Number n ? n.longValue() : 0;
                result.put("metered", metered.resultSince(meteredBefore, expected));
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            request.close();
        }
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result);
        if (out != null) {
            Files.writeString(Path.of(out), json + "\n");
        }
        System.out.println(json);
    }
}

package tollgate.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table from a fake run directory: the rows of s5 and s6, their targets and verdicts. */
class ResultsTableTest {
    @TempDir
    Path run;

    private static String stream(long opened, long completed, long failures, double p99Us, long rssKb, String metered) {
        return """
                {"label": "s5", "mode": "stream", "streams": 200, "completed_streams": 0, "chunks": 600, "chunks_per_s": 600,
                 "non_2xx": 0, "failures": 0, "unfinished": 0, "reconnects": 0,
                 "opened_streams_total": %d, "completed_streams_total": %d, "non_2xx_total": 0, "failures_total": %d,
                 "chunk_latency_us": {"count": 600, "p50": 300.0, "p90": 500.0, "p99": %s, "p999": 2000.0},
                 "ttfb_us": {"count": 0},
                 "host_cpu_busy": 0.5,
                 "process": {"pids": [1], "rss_peak_kb": %d, "rss_end_kb": 1000, "cpu_ms": 500, "cpu_window_ms": 1000}
                 %s}
                """.formatted(opened, completed, failures, p99Us, rssKb, metered);
    }

    private static String rate(long requests, long cpuMs, boolean process) {
        return """
                {"label": "s6", "mode": "rate", "target_rps": 2000.0, "connections": 20, "requests": %d, "rps": 2000.0,
                 "non_2xx": 0, "failures": 0, "dropped": 0, "reconnects": 0,
                 "latency_us": {"count": %d, "p50": 250.0, "p90": 400.0, "p99": 900.0, "p999": 3000.0},
                 "host_cpu_busy": 0.4 %s}
                """.formatted(requests, requests,
                process ? ", \"process\": {\"pids\": [1], \"rss_peak_kb\": 1, \"cpu_ms\": " + cpuMs + ", \"cpu_window_ms\": 15000}" : "");
    }

    private void write(String name, String json) throws IOException {
        Files.writeString(run.resolve(name), json);
    }

    private List<String> table() throws IOException {
        Path out = run.resolve("results.json");
        ResultsTable.main(new String[] {run.toString(), out.toString()});
        return Files.readAllLines(run.resolve("table.md"));
    }

    private static String row(List<String> table, String scenario, String metric) {
        String current = "";
        for (String line : table) {
            String[] cells = line.split("\\|", -1);
            if (cells.length < 10) {
                continue;
            }
            if (!cells[1].isBlank()) {
                current = cells[1].strip();
            }
            if (current.startsWith(scenario) && cells[2].strip().equals(metric)) {
                return line;
            }
        }
        throw new AssertionError("no row " + scenario + " / " + metric + " in\n" + String.join("\n", table));
    }

    @Test
    void slowStreamsAndFixedRateRowsCarryTheirTargets() throws IOException {
        write("meta.json", """
                {"smoke": true, "scenarios": {"s5": "200 streams x 3 chunks @ 200 ms", "s6": "2000 req/s, 20 connections, 1 KB"}}
                """);
        write("s5-direct.json", stream(400, 400, 0, 1000.0, 0, ""));
        write("s5-nginx.json", stream(400, 400, 0, 1500.0, 40 * 1024, ""));
        write("s5-tollgate.json", stream(400, 400, 0, 2000.0, 300 * 1024,
                ", \"metered\": {\"metric\": \"tollgate_usage_log_records_total\", \"records\": 400, \"expected\": 400}"));
        write("s6-direct.json", rate(30000, 0, false));
        write("s6-nginx.json", rate(30000, 3000, true));
        write("s6-tollgate.json", rate(30000, 3600, true));

        List<String> t = table();

        assertThat(row(t, "5 concurrent slow streams", "streams completed")).contains("| 400 | 400 | 400 |");
        assertThat(row(t, "5 concurrent slow streams", "errors (failed, non-2xx, unfinished)")).contains("no errors: ok");
        assertThat(row(t, "5 concurrent slow streams", "chunk p99 ms")).contains("| 1.00 | 1.50 | 2.00 |");
        assertThat(row(t, "5 concurrent slow streams", "proxy RSS peak MB")).contains("| 300.0 |").contains("≤ 1 GB RSS: ok");
        assertThat(row(t, "5 concurrent slow streams", "usage-log records written")).contains("| – | – | 400 |");
        assertThat(row(t, "5 concurrent slow streams", "streams metered %")).contains("every stream metered: ok");
        assertThat(t).anyMatch(l -> l.startsWith("| 5 concurrent slow streams, all open together: 200 streams x 3 chunks @ 200 ms |"));

        // 3000 ms over 30000 calls = 100 µs a call for nginx, 120 for tollgate: 1.2×
        assertThat(row(t, "6 fixed rate", "proxy CPU µs / call"))
                .contains("| – | 100.0 | 120.0 |").contains("proxy CPU per call ≤ 1.3× nginx's: ok (1.20×)");
        assertThat(row(t, "6 fixed rate", "errors (failed, non-2xx)")).contains("| 0 | 0 | 0 |");

        JsonNode results = new ObjectMapper().readTree(run.resolve("results.json").toFile());
        assertThat(results.at("/runs/s5/tollgate/metered/records").asLong()).isEqualTo(400);
        assertThat(results.at("/runs/s6/nginx/process/cpu_ms").asLong()).isEqualTo(3000);
    }

    @Test
    void missesAreCalledOut() throws IOException {
        write("s5-tollgate.json", stream(400, 398, 2, 2000.0, 1100 * 1024,
                ", \"metered\": {\"metric\": \"tollgate_usage_log_records_total\", \"records\": 397, \"expected\": 398}"));
        write("s6-nginx.json", rate(30000, 3000, true));
        write("s6-tollgate.json", rate(30000, 4500, true));

        List<String> t = table();

        assertThat(row(t, "5 concurrent slow streams", "errors (failed, non-2xx, unfinished)")).contains("no errors: MISS");
        assertThat(row(t, "5 concurrent slow streams", "proxy RSS peak MB")).contains("≤ 1 GB RSS: MISS");
        assertThat(row(t, "5 concurrent slow streams", "streams metered %")).contains("every stream metered: MISS");
        assertThat(row(t, "6 fixed rate", "proxy CPU µs / call")).contains("proxy CPU per call ≤ 1.3× nginx's: MISS (1.50×)");
    }

    @Test
    void theOtherScenariosTargetsReadAsTheIssueSaysThem() throws IOException {
        String wrk = """
                {"mode": "wrk", "requests": %d, "duration_us": 1000000, "bytes": 1, "request_body_bytes": 195,
                 "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
                 "latency_us": {"p50": 1000.0, "p99": 2000.0}, "host_cpu_busy": 1.0,
                 "process": {"pids": [1], "cpu_ms": %d, "cpu_window_ms": 1000}}
                """;
        write("s1-nginx.json", wrk.formatted(10000, 200));
        write("s1-tollgate.json", wrk.formatted(9500, 247));
        write("s2-direct.json", rate(1000, 0, false));
        write("s2-tollgate.json", rate(1000, 100, true));

        List<String> t = table();

        assertThat(row(t, "1 non-streamed", "req/s")).contains("≥ 0.9× nginx: ok (0.95×)");
        assertThat(row(t, "1 non-streamed", "proxy CPU ms / 1k req")).contains("proxy CPU per call ≤ 1.3× nginx's: ok (1.30×)");
        assertThat(row(t, "2 fixed rate", "p50 ms")).contains("added ≤ 0.1 ms over direct: ok");
        assertThat(row(t, "2 fixed rate", "p99 ms")).contains("added ≤ 0.5 ms over direct: ok");
    }
}

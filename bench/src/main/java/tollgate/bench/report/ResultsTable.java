package tollgate.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Reads one run's JSON files ({@code <scenario>-<target>.json} and {@code meta.json}) and prints the side-by-side
 * table, with tollgate's ratios to direct and to nginx and its verdict against the targets.
 *
 * <pre>
 * java -cp tollgate-bench.jar tollgate.bench.report.ResultsTable RUN_DIR RESULTS_JSON
 * </pre>
 */
public final class ResultsTable {
    static final String[] TARGETS = {"direct", "nginx", "tollgate"};
    static final List<String> SCENARIOS = List.of("s1", "s2", "s3", "s4", "s5", "s6");
    /** Proxy CPU per call: ms per 1,000 calls and µs per call are the same number. */
    private static final Target CPU_PER_CALL = Target.atMostTimesNginx(1.3, "proxy CPU per call ≤ 1.3× nginx's");

    private final ObjectMapper json = new ObjectMapper();
    private final Path runDir;
    private final List<Row> rows = new ArrayList<>();

    private ResultsTable(Path runDir) {
        this.runDir = runDir;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: ResultsTable RUN_DIR RESULTS_JSON");
            System.exit(2);
        }
        ResultsTable t = new ResultsTable(Path.of(args[0]));
        t.collect();
        String table = t.markdown();
        System.out.print(table);
        Files.writeString(t.runDir.resolve("table.md"), table);
        Files.writeString(Path.of(args[1]), t.resultsJson());
    }

    private void collect() throws IOException {
        Rows s1 = new Rows("1 non-streamed, max throughput", "s1");
        s1.add("req/s", "/requests_per_s", Direction.HIGHER, Target.atLeastTimesNginx(0.9));
        s1.add("p50 ms (closed loop)", "/latency_us/p50", Direction.LOWER, null);
        s1.add("p99 ms (closed loop)", "/latency_us/p99", Direction.LOWER, null);
        s1.add("proxy CPU ms / 1k req", "/cpu_per_1k", Direction.LOWER, CPU_PER_CALL);

        Rows s2 = new Rows("2 fixed rate, open loop", "s2");
        s2.add("p50 ms", "/latency_us/p50", Direction.LOWER, Target.addedAtMostMillis(0.1));
        s2.add("p90 ms", "/latency_us/p90", Direction.LOWER, null);
        s2.add("p99 ms", "/latency_us/p99", Direction.LOWER, Target.addedAtMostMillis(0.5));
        s2.add("p99.9 ms", "/latency_us/p999", Direction.LOWER, null);
        s2.add("proxy CPU ms / 1k req", "/cpu_per_1k", Direction.LOWER, null);

        Rows s3 = new Rows("3 concurrent SSE streams", "s3");
        s3.add("chunk p50 ms", "/chunk_latency_us/p50", Direction.LOWER, null);
        s3.add("chunk p99 ms", "/chunk_latency_us/p99", Direction.LOWER,
                Target.atMostTimesNginx(1.0, "per-chunk p99 no worse than nginx's"));
        s3.add("chunk p99.9 ms", "/chunk_latency_us/p999", Direction.LOWER, null);
        s3.add("chunks/s", "/chunks_per_s", Direction.HIGHER, null);
        s3.add("ttfb p99 ms", "/ttfb_us/p99", Direction.LOWER, null);
        s3.add("proxy CPU (cores busy)", "/cpu_cores", Direction.LOWER, null);
        s3.add("proxy RSS peak MB", "/process/rss_peak_mib", Direction.LOWER, Target.atMost(250, "≤ 250 MB RSS"));
        s3.add("proxy heap used MB", "/process/heap/used_mib", Direction.LOWER, null);
        s3.add("proxy heap committed MB", "/process/heap/committed_mib", Direction.LOWER, null);

        Rows s4 = new Rows("4 1 MiB request + 1 MiB response", "s4");
        s4.add("req/s", "/requests_per_s", Direction.HIGHER, null);
        s4.add("MiB/s (both ways)", "/mib_per_s", Direction.HIGHER, null);
        s4.add("p99 ms (closed loop)", "/latency_us/p99", Direction.LOWER, null);
        s4.add("proxy CPU ms / 1k req", "/cpu_per_1k", Direction.LOWER, null);

        Rows s5 = new Rows("5 concurrent slow streams, all open together", "s5");
        s5.add("streams opened", "/opened_streams_total", Direction.COUNT, null);
        s5.add("streams completed", "/completed_streams_total", Direction.COUNT, null);
        s5.add("errors (failed, non-2xx, unfinished)", "/errors", Direction.COUNT, Target.exactly(0, "no errors"));
        s5.add("chunk p50 ms", "/chunk_latency_us/p50", Direction.LOWER, null);
        s5.add("chunk p99 ms", "/chunk_latency_us/p99", Direction.LOWER, null);
        s5.add("proxy CPU (cores busy)", "/cpu_cores", Direction.LOWER, null);
        s5.add("proxy RSS peak MB", "/process/rss_peak_mib", Direction.LOWER, Target.atMost(1024, "≤ 1 GB RSS"));
        s5.add("proxy heap used MB", "/process/heap/used_mib", Direction.LOWER, null);
        s5.add("usage-log records written", "/metered/records", Direction.COUNT, null);
        s5.add("streams metered %", "/metered_pct", Direction.INFO, Target.exactly(100, "every stream metered"));

        Rows s6 = new Rows("6 fixed rate, 1 KB non-streamed POST", "s6");
        s6.add("req/s", "/requests_per_s", Direction.HIGHER, null);
        s6.add("p50 ms", "/latency_us/p50", Direction.LOWER, null);
        s6.add("p99 ms", "/latency_us/p99", Direction.LOWER, null);
        s6.add("errors (failed, non-2xx)", "/errors", Direction.COUNT, null);
        s6.add("proxy CPU µs / call", "/cpu_per_1k", Direction.LOWER, CPU_PER_CALL);
        for (Rows r : List.of(s1, s2, s3, s4, s5, s6)) {
            // a busy host (other work on the same cores) explains a noisy row; the bench itself needs most of it
            r.add("host CPU busy %", "/host_cpu_busy_pct", Direction.INFO, null);
            r.fill();
        }
    }

    /** Latencies are stored in microseconds and shown in milliseconds; memory is stored in KiB and shown in MiB. */
    private @Nullable Double value(@Nullable JsonNode run, String pointer) {
        if (run == null) {
            return null;
        }
        if (pointer.equals("/requests_per_s")) {
            JsonNode rps = run.get("rps");
            if (rps != null) {
                return rps.asDouble();
            }
            JsonNode req = run.get("requests");
            JsonNode dur = run.get("duration_us");
            return req == null || dur == null ? null : req.asDouble() / (dur.asDouble() / 1e6);
        }
        if (pointer.equals("/mib_per_s")) {
            JsonNode req = run.get("requests");
            JsonNode dur = run.get("duration_us");
            JsonNode body = run.get("request_body_bytes");
            JsonNode bytes = run.get("bytes");
            if (req == null || dur == null || body == null || bytes == null) {
                return null;
            }
            double total = bytes.asDouble() + req.asDouble() * body.asDouble();
            return total / (dur.asDouble() / 1e6) / (1 << 20);
        }
        if (pointer.equals("/host_cpu_busy_pct")) {
            JsonNode b = run.get("host_cpu_busy");
            return b == null || b.asDouble() < 0 ? null : b.asDouble() * 100;
        }
        if (pointer.equals("/cpu_per_1k") || pointer.equals("/cpu_cores")) {
            JsonNode cpu = run.at("/process/cpu_ms");
            JsonNode per = pointer.equals("/cpu_cores") ? run.at("/process/cpu_window_ms") : run.get("requests");
            if (cpu.isMissingNode() || per == null || per.isMissingNode() || per.asDouble() == 0) {
                return null;
            }
            return pointer.equals("/cpu_cores") ? cpu.asDouble() / per.asDouble() : cpu.asDouble() / per.asDouble() * 1000;
        }
        if (pointer.equals("/errors")) {
            return errors(run);
        }
        if (pointer.equals("/metered_pct")) {
            JsonNode records = run.at("/metered/records");
            JsonNode expected = run.at("/metered/expected");
            if (!records.isNumber() || !expected.isNumber() || expected.asLong() == 0) {
                return null;
            }
            return records.asDouble() / expected.asDouble() * 100;
        }
        if (pointer.endsWith("_mib")) {
            JsonNode kb = run.at(pointer.substring(0, pointer.length() - 4) + "_kb");
            return kb.isMissingNode() || kb.asLong() == 0 ? null : kb.asDouble() / 1024;
        }
        JsonNode v = run.at(pointer);
        if (v.isMissingNode() || !v.isNumber()) {
            return null;
        }
        return pointer.contains("_us/") ? v.asDouble() / 1000 : v.asDouble();
    }

    /**
     * Calls that went wrong: the driver's failures and non-2xx answers (over the whole run when it counts them so,
     * as stream mode does) and streams still open when it gave up waiting; wrk's error counts.
     */
    private static @Nullable Double errors(JsonNode run) {
        JsonNode wrk = run.get("errors");
        if (wrk != null && wrk.isObject()) {
            double sum = 0;
            for (JsonNode n : wrk) {
                sum += n.asDouble();
            }
            return sum;
        }
        boolean total = run.has("failures_total");
        JsonNode failures = run.get(total ? "failures_total" : "failures");
        JsonNode non2xx = run.get(total ? "non_2xx_total" : "non_2xx");
        if (failures == null || non2xx == null) {
            return null;
        }
        JsonNode unfinished = run.get("unfinished");
        return failures.asDouble() + non2xx.asDouble() + (unfinished == null ? 0 : unfinished.asDouble());
    }

    /** The runs of one scenario and target: {@code NAME.json}, then {@code NAME.r2.json}, {@code NAME.r3.json}, ... */
    private List<JsonNode> rounds(String name) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        JsonNode first = read(name + ".json");
        if (first != null) {
            out.add(first);
        }
        for (int r = 2; r < 1000; r++) {
            JsonNode next = read(name + ".r" + r + ".json");
            if (next == null) {
                break;
            }
            out.add(next);
        }
        return out;
    }

    private static @Nullable Double median(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private @Nullable JsonNode read(String name) throws IOException {
        Path p = runDir.resolve(name);
        return Files.exists(p) ? json.readTree(p.toFile()) : null;
    }

    private String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| scenario | metric | direct | nginx | tollgate | tollgate/direct | tollgate/nginx | tollgate−direct | target |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---|\n");
        String last = "";
        for (Row r : rows) {
            sb.append("| ").append(r.scenario.equals(last) ? "" : r.scenario).append(" | ").append(r.metric)
                    .append(" | ").append(cell(r, 0)).append(" | ").append(cell(r, 1)).append(" | ").append(cell(r, 2))
                    .append(" | ").append(r.direction.noRatios() ? "" : ratio(r.values[2], r.values[0]))
                    .append(" | ").append(r.direction.noRatios() ? "" : ratio(r.values[2], r.values[1]))
                    .append(" | ").append(r.direction == Direction.LOWER ? signed(diff(r.values[2], r.values[0])) : "")
                    .append(" | ").append(r.target == null ? "" : r.target.verdict(r.values)).append(" |\n");
            last = r.scenario;
        }
        return sb.toString();
    }

    private String resultsJson() throws IOException {
        ObjectNode root = json.createObjectNode();
        JsonNode meta = read("meta.json");
        root.set("meta", meta == null ? json.createObjectNode() : meta);
        ObjectNode runs = root.putObject("runs");
        for (String s : SCENARIOS) {
            ObjectNode byTarget = runs.putObject(s);
            for (String t : TARGETS) {
                List<JsonNode> all = rounds(s + "-" + t);
                if (all.size() == 1) {
                    byTarget.set(t, all.get(0));
                } else if (!all.isEmpty()) {
                    byTarget.putArray(t).addAll(all);
                }
            }
        }
        var table = root.putArray("table");
        for (Row r : rows) {
            ObjectNode row = table.addObject();
            row.put("scenario", r.scenario).put("metric", r.metric);
            for (int i = 0; i < TARGETS.length; i++) {
                if (r.values[i] != null) {
                    row.put(TARGETS[i], r.values[i]);
                }
            }
            if (r.target != null) {
                row.put("target", r.target.describe()).put("verdict", r.target.verdict(r.values));
            }
        }
        return json.enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
    }

    private static @Nullable Double diff(@Nullable Double a, @Nullable Double b) {
        return a == null || b == null ? null : a - b;
    }

    private static String cell(Row r, int target) {
        Double v = r.values[target];
        return r.direction == Direction.COUNT && v != null ? String.format(Locale.ROOT, "%.0f", v) : num(v);
    }

    static String num(@Nullable Double v) {
        if (v == null) {
            return "–";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 1000 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
    }

    private static String signed(@Nullable Double v) {
        return v == null ? "" : (v >= 0 ? "+" : "") + num(v);
    }

    private static String ratio(@Nullable Double a, @Nullable Double b) {
        return a == null || b == null || b == 0 ? "–" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    /** INFO rows describe the run (e.g. how busy the host was), COUNT rows count things (whole numbers): no ratios. */
    enum Direction {
        HIGHER, LOWER, INFO, COUNT;

        boolean noRatios() {
            return this == INFO || this == COUNT;
        }
    }

    record Row(String scenario, String metric, @Nullable Double[] values, Direction direction, @Nullable Target target) {
    }

    /** The rows of one scenario, filled from its three run files. */
    private final class Rows {
        private final String scenario;
        private final String file;
        private final List<String[]> specs = new ArrayList<>();
        private final List<Direction> directions = new ArrayList<>();
        private final List<@Nullable Target> targets = new ArrayList<>();

        Rows(String scenario, String file) {
            this.scenario = scenario;
            this.file = file;
        }

        void add(String metric, String pointer, Direction d, @Nullable Target t) {
            specs.add(new String[] {metric, pointer});
            directions.add(d);
            targets.add(t);
        }

        void fill() throws IOException {
            List<List<JsonNode>> runs = new ArrayList<>();
            for (String target : TARGETS) {
                runs.add(rounds(file + "-" + target));
            }
            if (runs.stream().allMatch(List::isEmpty)) {
                return;
            }
            String title = scenario;
            JsonNode meta = read("meta.json");
            JsonNode how = meta == null ? null : meta.at("/scenarios/" + file);
            if (how != null && how.isTextual()) {
                title = scenario + ": " + how.asText();
            }
            for (int k = 0; k < specs.size(); k++) {
                Double[] values = new Double[TARGETS.length];
                for (int i = 0; i < TARGETS.length; i++) {
                    List<Double> perRound = new ArrayList<>();
                    for (JsonNode run : runs.get(i)) {
                        Double v = value(run, specs.get(k)[1]);
                        if (v != null) {
                            perRound.add(v);
                        }
                    }
                    values[i] = median(perRound);
                }
                rows.add(new Row(title, specs.get(k)[0], values, directions.get(k), targets.get(k)));
            }
        }
    }
}

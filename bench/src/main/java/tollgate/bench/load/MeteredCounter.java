package tollgate.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** One counter of the target's Prometheus {@code /metrics} page, read before and after a run. */
final class MeteredCounter {
    private static final long SETTLE_MILLIS = 10_000;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI uri;
    private final String name;

    MeteredCounter(String hostPort, String name) {
        this.uri = URI.create("http://" + hostPort + "/metrics");
        this.name = name;
    }

    /** The counter's value (summed over its label sets), or -1 when the page or the counter is missing. */
    double read() {
        try {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return res.statusCode() == 200 ? parse(res.body(), name) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static double parse(String page, String name) {
        double sum = 0;
        boolean found = false;
        for (String line : page.split("\n")) {
            if (line.startsWith(name) && line.length() > name.length()
                    && (line.charAt(name.length()) == ' ' || line.charAt(name.length()) == '{')) {
                String rest = line.charAt(name.length()) == '{' ? line.substring(line.lastIndexOf('}') + 1) : line.substring(name.length());
                String v = rest.trim().split("\\s+")[0];
                try {
                    sum += Double.parseDouble(v);
                    found = true;
                } catch (NumberFormatException e) {
                    // not a sample line
                }
            }
        }
        return found ? sum : -1;
    }

    /**
     * The counter's growth since {@code before}: polled until it reaches {@code expected} (records are written by a
     * batching thread, a little after the call ends) or stops moving, at most 10 s.
     */
    Map<String, Object> resultSince(double before, long expected) throws InterruptedException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("metric", name);
        if (before < 0) {
            m.put("error", "no " + name + " at " + uri);
            return m;
        }
        long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
        double now = read();
        while (now >= 0 && now - before < expected && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
            now = read();
        }
        Thread.sleep(300); // a late record past the expected count would be a double count: let it show
        now = read();
        if (now < 0) {
            m.put("error", "no " + name + " at " + uri + " after the run");
            return m;
        }
        m.put("records", Math.round(now - before));
        m.put("expected", expected);
        return m;
    }
}

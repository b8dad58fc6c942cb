package tollgate.proxy.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** The HTTP API of the stack's Prometheus, as Grafana and the tests use it. */
final class PrometheusApi {
    /** An answer: its HTTP status and JSON ({@code status}, {@code data} or {@code error}). */
    record Answer(int http, JsonNode json) {
        boolean ok() {
            return http == 200 && json.path("status").asText().equals("success");
        }

        JsonNode result() {
            return json.path("data").path("result");
        }

        /** True when some series holds a value that is a number (not NaN): what a panel needs to draw something. */
        boolean hasNumbers() {
            for (JsonNode series : result()) {
                JsonNode values = series.has("values") ? series.path("values") : series.has("value") ? List1.of(series.path("value")) : null;
                if (values == null) {
                    continue;
                }
                for (JsonNode v : values) {
                    String s = v.path(1).asText();
                    if (!s.equals("NaN") && !s.isEmpty()) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final ProxyClient http;

    PrometheusApi(int port) {
        this.http = new ProxyClient(port);
    }

    Answer query(String expr) throws IOException, InterruptedException {
        return get("/api/v1/query?query=" + enc(expr));
    }

    Answer queryRange(String expr, Instant start, Instant end, int stepSeconds) throws IOException, InterruptedException {
        return get("/api/v1/query_range?query=" + enc(expr) + "&start=" + start.getEpochSecond() + "&end=" + end.getEpochSecond()
                + "&step=" + stepSeconds);
    }

    Answer targets() throws IOException, InterruptedException {
        return get("/api/v1/targets?state=active");
    }

    Answer rules() throws IOException, InterruptedException {
        return get("/api/v1/rules");
    }

    Answer labelValues(String label, String match) throws IOException, InterruptedException {
        return get("/api/v1/label/" + label + "/values?match[]=" + enc(match));
    }

    private Answer get(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.get(path);
        JsonNode json;
        try {
            json = JSON.readTree(r.body());
        } catch (IOException e) {
            json = JSON.createObjectNode().put("status", "error").put("error", r.body());
        }
        return new Answer(r.statusCode(), json);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A one-element JSON array around an instant query's [time, value]. */
    private static final class List1 {
        static JsonNode of(JsonNode value) {
            return JSON.createArrayNode().add(value);
        }
    }
}

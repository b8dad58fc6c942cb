package tollgate.proxy.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** HTTP calls from the host to a tollgate (or Prometheus) published on a loopback port. */
final class ProxyClient {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    private final String base;

    ProxyClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, Map.of());
    }

    HttpResponse<String> get(String path, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A chat completion with the caller's key; {@code headers} go along (e.g. the mock's X-Mock-*). */
    HttpResponse<String> chat(String key, String body, Map<String, String> headers) throws IOException, InterruptedException {
        return HTTP.send(chatRequest(key, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** The same, with the answer's body read as it arrives (for streams). */
    HttpResponse<InputStream> chatStream(String key, String body) throws IOException, InterruptedException {
        return HTTP.send(chatRequest(key, body, Map.of()), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpRequest chatRequest(String key, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return b.build();
    }

    /** Polls {@code path} until it answers 200 (the JVM in the container takes seconds to start). */
    void awaitOk(String path, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> r = get(path);
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError(base + path + " did not answer 200 within " + limit.toSeconds() + " s (last: " + last + ")");
    }

    static String chatBody(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

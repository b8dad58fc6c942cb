package tollgate.proxy.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A tiny OpenAI-shaped upstream on the host, listening on the host's own address of a container network
 * (never a foreign one), so tollgate in a container reaches it as {@code host.containers.internal}.
 *
 * <p>{@code POST …/chat/completions} answers with {@code usage} of {@code X-Mock-Prompt-Tokens} /
 * {@code X-Mock-Completion-Tokens} (defaults 1000 / 50); with {@code "stream":true} it sends
 * {@code X-Mock-Chunks} content chunks (default 5), the usage chunk when asked by
 * {@code stream_options.include_usage}, and {@code [DONE]}. {@link #holdStreams()} makes streams wait after their
 * first chunk until {@link #releaseStreams()}.
 */
final class HostUpstream implements AutoCloseable {
    /** One request as the upstream received it. */
    record Call(String method, String path, String authorization, String testCall, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "host-upstream");
        t.setDaemon(true);
        return t;
    });
    final BlockingQueue<Call> calls = new LinkedBlockingQueue<>(10_000);
    private volatile CountDownLatch hold = new CountDownLatch(0);
    final CountDownLatch firstStreamChunkSent = new CountDownLatch(1);

    HostUpstream(InetAddress address, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(address, port), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://host.containers.internal:<port>}: the upstream URL for tollgate in a container. */
    String urlForContainers() {
        return "http://host.containers.internal:" + server.getAddress().getPort();
    }

    /** The call a test marked with header {@code X-Test-Call: marker}, waiting for it up to 30 s. */
    Call awaitCall(String marker) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            for (Call c : calls) {
                if (marker.equals(c.testCall())) {
                    return c;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the upstream saw no call marked " + marker + "; calls: " + calls);
    }

    void holdStreams() {
        hold = new CountDownLatch(1);
    }

    void releaseStreams() {
        hold.countDown();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] raw = ex.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
            calls.offer(new Call(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    String.valueOf(ex.getRequestHeaders().getFirst("Authorization")),
                    String.valueOf(ex.getRequestHeaders().getFirst("X-Test-Call")), body));
            if (!ex.getRequestURI().getPath().endsWith("/chat/completions")) {
                send(ex, 404, "application/json", "{\"error\":{\"message\":\"no such path in the mock\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
                return;
            }
            int prompt = header(ex, "X-Mock-Prompt-Tokens", 1000);
            int completion = header(ex, "X-Mock-Completion-Tokens", 50);
            String model = body.path("model").asText("gpt-4o-mini");
            ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", completion)
                    .put("total_tokens", prompt + completion);
            if (body.path("stream").asBoolean(false)) {
                stream(ex, model, header(ex, "X-Mock-Chunks", 5), body.path("stream_options").path("include_usage").asBoolean(false) ? usage : null);
            } else {
                ObjectNode answer = JSON.createObjectNode().put("id", "chatcmpl-mock").put("object", "chat.completion")
                        .put("created", 1_700_000_000L).put("model", model);
                answer.putArray("choices").addObject().put("index", 0).put("finish_reason", "stop")
                        .putObject("message").put("role", "assistant").put("content", "hello from the host upstream");
                answer.set("usage", usage);
                send(ex, 200, "application/json", JSON.writeValueAsString(answer));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void stream(HttpExchange ex, String model, int chunks, ObjectNode usage) throws IOException, InterruptedException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (int i = 0; i < chunks; i++) {
            ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-mock").put("object", "chat.completion.chunk")
                    .put("created", 1_700_000_000L).put("model", model);
            ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
            choice.putObject("delta").put("content", "chunk-" + i + " ");
            choice.putNull("finish_reason");
            event(out, JSON.writeValueAsString(chunk));
            if (i == 0) {
                firstStreamChunkSent.countDown();
                if (!hold.await(2, TimeUnit.MINUTES)) {
                    return;
                }
            }
        }
        if (usage != null) {
            ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-mock").put("object", "chat.completion.chunk")
                    .put("created", 1_700_000_000L).put("model", model);
            chunk.putArray("choices");
            chunk.set("usage", usage);
            event(out, JSON.writeValueAsString(chunk));
        }
        event(out, "[DONE]");
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static int header(HttpExchange ex, String name, int fallback) {
        String v = ex.getRequestHeaders().getFirst(name);
        return v == null ? fallback : Integer.parseInt(v.trim());
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        releaseStreams();
        server.stop(0);
        threads.shutdownNow();
    }
}

package tollgate.proxy.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The admin API of a running tollgate as {@code tollgate watch} reads it: plain GETs with the bearer token, and
 * {@code /admin/usage/stream} parsed as server-sent events (HTML Living Standard, "event stream interpretation").
 */
final class WatchFeed {
    /** What the stream delivers. */
    interface Listener {
        /** The stream is open (status 200). */
        void open();

        /** The {@code data} of one {@code event: usage}: a usage-log line. */
        void usage(String line);
    }

    private final URI base;
    private final String token;
    private final HttpClient http;
    private final AtomicReference<Flow.@Nullable Subscription> current = new AtomicReference<>();

    WatchFeed(URI base, String token, HttpClient http) {
        this.base = base;
        this.token = token;
        this.http = http;
    }

    URI base() {
        return base;
    }

    /** GETs {@code pathAndQuery}; the body of a 200, else an IOException naming the status. */
    String get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(pathAndQuery).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) {
            throw new IOException(pathAndQuery + ": HTTP " + r.statusCode());
        }
        return r.body();
    }

    /**
     * Opens the stream; the future completes with the status when it ends (200 when the server closed an open
     * stream), or exceptionally when tollgate cannot be reached.
     */
    CompletableFuture<Integer> stream(Listener listener) {
        HttpRequest req = request("/admin/usage/stream").header("Accept", "text/event-stream").build();
        return http.sendAsync(req, info -> info.statusCode() == 200
                        ? HttpResponse.BodySubscribers.fromLineSubscriber(new EventSubscriber(listener), s -> 200,
                        StandardCharsets.UTF_8, null)
                        : HttpResponse.BodySubscribers.replacing(info.statusCode()))
                .thenApply(HttpResponse::body);
    }

    /** Leaves the open stream, if any. */
    void stop() {
        Flow.Subscription s = current.getAndSet(null);
        if (s != null) {
            s.cancel();
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery)).header("Authorization", "Bearer " + token);
    }

    /** Lines in, {@code usage} events out. */
    private final class EventSubscriber implements Flow.Subscriber<String> {
        private final Listener listener;
        private String event = "";
        private final StringBuilder data = new StringBuilder();
        private boolean hasData;

        EventSubscriber(Listener listener) {
            this.listener = listener;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            current.set(subscription);
            subscription.request(Long.MAX_VALUE);
            listener.open();
        }

        @Override
        public void onNext(String line) {
            if (line.isEmpty()) {
                if (hasData && event.equals("usage")) {
                    listener.usage(data.toString());
                }
                event = "";
                data.setLength(0);
                hasData = false;
                return;
            }
            if (line.startsWith(":")) {
                return;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if (field.equals("event")) {
                event = value;
            } else if (field.equals("data")) {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            current.set(null);
        }

        @Override
        public void onComplete() {
            current.set(null);
        }
    }
}

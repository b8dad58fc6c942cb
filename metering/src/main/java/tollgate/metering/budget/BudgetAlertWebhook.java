package tollgate.metering.budget;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each {@link BudgetAlert} as JSON to {@code alerts.webhook_url} (SPEC 7) from its own thread: a bounded
 * number of events wait, each is tried a few times with doubling back-off, and one that cannot be delivered is
 * logged and dropped. {@link #offer} never blocks and never sends on the caller's thread.
 *
 * <pre>
 * {"key":"storybot","scope":"key","name":"storybot","window":"daily","fraction":0.8,"limit_usd":5,"spent_usd":4.02,
 *  "resets_at":"2026-11-23T00:00:00Z","ts":"2026-11-22T17:03:11.520Z"}
 * </pre>
 * ({@code limit_tokens} and {@code spent_tokens} are added for windows with a token limit; {@code key} is there
 * for a key's alert only, {@code name} for every scope but {@code global}: SPEC 11.)
 */
public final class BudgetAlertWebhook implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BudgetAlertWebhook.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final URI url;
    private final HttpClient client;
    private final int capacity;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final ScheduledExecutorService sender;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    /** 1000 waiting events, 4 attempts, back-off from 1 s. */
    public BudgetAlertWebhook(URI url) {
        this(url, 1000, 4, Duration.ofSeconds(1));
    }

    public BudgetAlertWebhook(URI url, int capacity, int maxAttempts, Duration firstBackoff) {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("alerts.webhook_url: scheme " + url.getScheme()
                    + " (expected: http or https)");
        }
        if (capacity < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + ", maxAttempts: " + maxAttempts
                    + " (expected: >= 1)");
        }
        this.url = url;
        this.capacity = capacity;
        this.maxAttempts = maxAttempts;
        this.firstBackoff = firstBackoff;
        this.sender = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-budget-webhook");
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).executor(sender).build();
    }

    /** Queues the alert for delivery; false (and logged) when too many are already waiting or after close. */
    public boolean offer(BudgetAlert alert) {
        return offer(body(alert), "alert for key '" + alert.keyId() + "' " + alert.window().id() + " "
                + alert.fraction().toPlainString());
    }

    /**
     * Queues any other event (a spend warning) for the same delivery: same queue, retries and counters.
     *
     * @param about what the event is, for the log line when it is dropped; never a key or a URL
     */
    public boolean offer(byte[] body, String about) {
        if (pending.incrementAndGet() > capacity || sender.isShutdown()) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
            log.warn("alert webhook: {} events already waiting; dropped {}", capacity, about);
            return false;
        }
        try {
            sender.execute(() -> attempt(about, body, 1));
        } catch (RuntimeException rejected) {
            pending.decrementAndGet();
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Events delivered with a 2xx answer. */
    public long delivered() {
        return delivered.get();
    }

    /** Events given up: queue full, or every attempt failed. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        sender.shutdownNow();
    }

    private void attempt(String about, byte[] body, int attempt) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json").header("User-Agent", "tollgate")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenCompleteAsync((response, failure) -> {
            if (failure == null && response.statusCode() / 100 == 2) {
                pending.decrementAndGet();
                delivered.incrementAndGet();
                return;
            }
            String why = failure != null ? failure.toString() : "HTTP " + response.statusCode();
            if (attempt < maxAttempts && !sender.isShutdown()) {
                long delayMillis = firstBackoff.toMillis() << (attempt - 1);
                try {
                    sender.schedule(() -> attempt(about, body, attempt + 1), delayMillis, TimeUnit.MILLISECONDS);
                    return;
                } catch (RuntimeException shutDown) {
                    why = why + "; sender stopped";
                }
            }
            pending.decrementAndGet();
            dropped.incrementAndGet();
            // the URL may carry a secret token in its path: only the host is logged
            log.warn("alert webhook to {} failed {} times ({}); dropped {}", url.getHost(), attempt, why, about);
        }, sender);
    }

    static byte[] body(BudgetAlert alert) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (alert.scope().kind() == BudgetScope.Kind.KEY) {
                g.writeStringField("key", alert.keyId());
            }
            g.writeStringField("scope", alert.scope().kind().id());
            if (alert.scope().kind() != BudgetScope.Kind.GLOBAL) {
                g.writeStringField("name", alert.scope().name());
            }
            g.writeStringField("window", alert.window().id());
            g.writeFieldName("fraction");
            g.writeNumber(Money.plain(alert.fraction()).toPlainString());
            g.writeFieldName("limit_usd");
            if (alert.limitUsd() == null) {
                g.writeNull();
            } else {
                g.writeNumber(Money.plain(alert.limitUsd()).toPlainString());
            }
            g.writeFieldName("spent_usd");
            g.writeNumber(Money.plain(alert.spentUsd()).toPlainString());
            g.writeFieldName("resets_at");
            if (alert.resetsAt() == null) {
                g.writeNull();
            } else {
                g.writeString(alert.resetsAt().toString());
            }
            g.writeStringField("ts", alert.ts().toString());
            Long limitTokens = alert.limitTokens();
            if (limitTokens != null) {
                g.writeNumberField("limit_tokens", limitTokens);
                g.writeNumberField("spent_tokens", alert.spentTokens());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

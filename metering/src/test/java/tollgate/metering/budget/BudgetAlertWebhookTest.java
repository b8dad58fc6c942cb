package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;

class BudgetAlertWebhookTest {

    private static final BudgetAlert ALERT = new BudgetAlert("storybot", BudgetWindow.DAILY, new BigDecimal("0.8"),
            new BigDecimal("5"), new BigDecimal("4.02"), null, 0, Instant.parse("2026-11-23T00:00:00Z"),
            Instant.parse("2026-11-22T17:03:11.520Z"));

    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private HttpServer server;
    private URI url;

    record Received(String method, String contentType, byte[] body) {
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = failuresLeft.getAndDecrement() > 0 ? 503 : 204;
            if (status == 204) {
                received.add(new Received(exchange.getRequestMethod(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), body));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook/secret-token");
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    /** Polls until the condition holds (at most 20 s); delivery counters move on the webhook's own thread. */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void alertIsPostedAsJsonWithTheDocumentedFields() throws Exception {
        try (BudgetAlertWebhook webhook = new BudgetAlertWebhook(url)) {
            assertThat(webhook.offer(ALERT)).isTrue();

            Received r = received.poll(20, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.contentType()).isEqualTo("application/json");
            JsonNode json = new ObjectMapper().readTree(r.body());
            assertThat(json.get("key").asText()).isEqualTo("storybot");
            assertThat(json.get("window").asText()).isEqualTo("daily");
            assertThat(json.get("fraction").decimalValue()).isEqualByComparingTo("0.8");
            assertThat(json.get("limit_usd").decimalValue()).isEqualByComparingTo("5");
            assertThat(json.get("spent_usd").decimalValue()).isEqualByComparingTo("4.02");
            assertThat(json.get("resets_at").asText()).isEqualTo("2026-11-23T00:00:00Z");
            assertThat(json.get("ts").asText()).isEqualTo("2026-11-22T17:03:11.520Z");
            assertThat(json.has("limit_tokens")).isFalse();
        }
    }

    @Test
    void failedDeliveryIsRetriedWithBackoff() throws Exception {
        failuresLeft.set(2);
        try (BudgetAlertWebhook webhook = new BudgetAlertWebhook(url, 10, 4, Duration.ofMillis(20))) {
            webhook.offer(ALERT);

            assertThat(received.poll(20, TimeUnit.SECONDS)).isNotNull();
            eventually(() -> webhook.delivered() == 1);
            assertThat(failuresLeft.get()).isEqualTo(-1);
            assertThat(webhook.dropped()).isZero();
        }
    }

    @Test
    void alertIsDroppedAfterTheLastAttempt() throws Exception {
        failuresLeft.set(100);
        try (BudgetAlertWebhook webhook = new BudgetAlertWebhook(url, 10, 2, Duration.ofMillis(10))) {
            webhook.offer(ALERT);

            eventually(() -> webhook.dropped() > 0);
            assertThat(webhook.dropped()).isEqualTo(1);
            assertThat(failuresLeft.get()).isEqualTo(98);
            assertThat(received).isEmpty();
        }
    }

    @Test
    void offerBeyondCapacityIsRefusedAtOnce() {
        server.stop(0); // nothing answers: every offer stays pending while its attempts fail
        try (BudgetAlertWebhook webhook = new BudgetAlertWebhook(url, 2, 3, Duration.ofSeconds(30))) {
            assertThat(webhook.offer(ALERT)).isTrue();
            assertThat(webhook.offer(ALERT)).isTrue();
            assertThat(webhook.offer(ALERT)).isFalse();
            assertThat(webhook.dropped()).isEqualTo(1);
        }
    }

    @Test
    void ledgerPostsAlertsThroughTheWebhookOffTheCallersThread() throws Exception {
        MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
        try (BudgetAlertWebhook webhook = new BudgetAlertWebhook(url)) {
            BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(),
                    LedgerFixtures.settings(BudgetMode.RESERVE, clock), BudgetEvents.NONE, webhook);
            KeyBudget budget = new KeyBudget(List.of(LedgerFixtures.usdLimit(BudgetWindow.DAILY, "5")),
                    List.of(new BigDecimal("0.8")));

            LedgerFixtures.await(ledger.record("storybot", budget, new BigDecimal("4.5"), 0));

            Received r = received.poll(20, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            JsonNode json = new ObjectMapper().readTree(r.body());
            assertThat(json.get("spent_usd").decimalValue()).isEqualByComparingTo("4.5");
            assertThat(json.get("fraction").decimalValue()).isEqualByComparingTo("0.8");
        }
    }
}

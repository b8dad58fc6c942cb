package tollgate.proxy.metering;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.pricing.CatalogSync;
import tollgate.proxy.LogCapture;
import tollgate.proxy.TestTollgate;

/**
 * {@code pricing.sync} (issue 15) against a local HTTP server serving a LiteLLM-format catalog: applied like a
 * reload, {@code pricing.file} still wins, the last good copy serves a restart without network, failures are
 * counted and change nothing.
 */
class PricingSyncTest {
    static final ObjectMapper JSON = new ObjectMapper();
    // LiteLLM's shape (model_prices_and_context_window.json): prices per token
    static final String CATALOG = "{\"gpt-9-nova\": {\"input_cost_per_token\": 1e-06, \"output_cost_per_token\": 4e-06,"
            + " \"litellm_provider\": \"openai\", \"mode\": \"chat\"},"
            + " \"gpt-4o-mini\": {\"input_cost_per_token\": 9e-06, \"output_cost_per_token\": 9e-06,"
            + " \"litellm_provider\": \"openai\", \"mode\": \"chat\"}}";

    @TempDir
    Path dir;
    final HttpClient http = HttpClient.newHttpClient();

    static String answer(String model) {
        return "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"" + model + "\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":1000,\"total_tokens\":2000}}";
    }

    /** Calls made so far on the log folder: each is one record. */
    int records;

    /** Calls {@code model} until its record is priced (the first sync runs right after start), at most 10 s. */
    JsonNode pricedCall(TestTollgate tg, MockWebServer upstream, String model) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(answer(model)).build());
            http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            records++;
            List<String> lines = tg.awaitRecords(records);
            JsonNode last = JSON.readTree(lines.get(lines.size() - 1));
            if (!last.get("cost_usd").isNull() || System.nanoTime() > deadline) {
                return last;
            }
        }
    }

    String metrics(TestTollgate tg) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void aFetchedCatalogPricesNewModelsUnderThePricingFileAndSurvivesARestartWithoutNetwork() throws Exception {
        Path pricing = dir.resolve("pricing.yaml");
        Files.writeString(pricing, "models:\n  gpt-4o-mini: {input: 0.15, output: 0.60}\n");
        try (MockWebServer upstream = new MockWebServer(); MockWebServer catalogs = new MockWebServer()) {
            upstream.start();
            catalogs.start();
            catalogs.enqueue(new MockResponse.Builder().body(CATALOG).build());
            String cfg = "pricing:\n  file: " + pricing + "\n  sync: {url: " + catalogs.url("/prices.json")
                    + ", format: litellm, every: 1h}\n";
            try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
                // 1000 × 1 + 1000 × 4 per 1M
                assertThat(pricedCall(tg, upstream, "gpt-9-nova").get("cost_usd").decimalValue())
                        .isEqualByComparingTo("0.005");
                assertThat(catalogs.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/prices.json");
                // pricing.file's entry wins over the catalog's: 1000 × 0.15 + 1000 × 0.60 per 1M
                assertThat(pricedCall(tg, upstream, "gpt-4o-mini").get("cost_usd").decimalValue())
                        .isEqualByComparingTo("0.00075");
                assertThat(dir.resolve("logs").resolve(CatalogSync.CACHE_FILE)).exists();
            }
            // the catalog server is gone: the restart prices from the last good copy, and counts the failed fetch
            catalogs.close();
            try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
                assertThat(pricedCall(tg, upstream, "gpt-9-nova").get("cost_usd").decimalValue())
                        .isEqualByComparingTo("0.005");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!metrics(tg).contains("tollgate_pricing_sync_failures_total 1.0") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(metrics(tg)).contains("tollgate_pricing_sync_failures_total 1.0");
            }
        }
    }

    @Test
    void aCatalogThatDoesNotReadChangesNothingAndIsCounted() throws Exception {
        try (MockWebServer upstream = new MockWebServer(); MockWebServer catalogs = new MockWebServer()) {
            upstream.start();
            catalogs.start();
            catalogs.enqueue(new MockResponse.Builder().body("<html>maintenance</html>").build());
            // a private catalog's token rides in the query: it is sent, never logged
            String cfg = "pricing:\n  sync: {url: \"" + catalogs.url("/prices.json?token=SECRET-catalog-token")
                    + "\", format: litellm, every: 1h}\n";
            try (LogCapture logged = LogCapture.start(); TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
                assertThat(catalogs.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/prices.json?token=SECRET-catalog-token");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!metrics(tg).contains("tollgate_pricing_sync_failures_total 1.0") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(metrics(tg)).contains("tollgate_pricing_sync_failures_total 1.0");
                assertThat(logged.lines()).anySatisfy(l -> assertThat(l)
                        .contains("pricing.sync: http://").contains("/prices.json?*** not applied"))
                        .noneSatisfy(l -> assertThat(l).contains("SECRET"));
                assertThat(dir.resolve("logs").resolve(CatalogSync.CACHE_FILE)).doesNotExist();
                // the built-in table still prices what it priced
                assertThat(pricedCall(tg, upstream, "gpt-4o-mini").get("cost_usd").decimalValue())
                        .isEqualByComparingTo(new BigDecimal("0.00075"));
            }
        }
    }
}

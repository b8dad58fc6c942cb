package tollgate.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.store.PostgresTestServer;
import tollgate.proxy.LogCapture;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;
import tollgate.proxy.budget.BudgetEnforcementTest;

/**
 * A database that refuses tollgate's password, with {@code log.store_optional: true} (issue 20): calls are
 * answered and logged as always, the records wait in the log, the reports answer from the replica's own calls, and
 * the password is in no log line, metric or admin answer.
 */
class LogStoreOutageTest {
    private static final String ADMIN = "admin-token-for-outage-tests";
    private static final String WRONG = "wrong-db-password-7Yq";

    @TempDir
    Path dir;

    @Test
    void callsAreAnsweredAndSpooledWhileTheDatabaseRefusesAndThePasswordNeverShows() throws Exception {
        PostgresTestServer pg = PostgresTestServer.shared();
        pg.newStore("refusing");
        HttpClient http = HttpClient.newHttpClient();
        LogCapture logged = LogCapture.start();
        try (logged; MockWebServer upstream = Upstreams.answering(BudgetEnforcementTest.ANSWER);
             TestTollgate t = TestTollgate.start(upstream.url("/").toString(), dir,
                     "log:\n  store: 'postgres://" + PostgresTestServer.USER + ":${DB_PASS}@127.0.0.1:" + pg.port()
                             + "/refusing'\n  store_optional: true\n",
                     Map.of("DB_PASS", WRONG, "TOLLGATE_ADMIN_TOKEN", ADMIN))) {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(t.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-app-key")
                        .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            t.awaitRecords(5);
            awaitTrue(() -> metric(t, "tollgate_store_backlog_records") == 5
                    && metric(t, "tollgate_store_failures_total") >= 1);

            HttpResponse<String> usage = http.send(HttpRequest.newBuilder(URI.create(t.base() + "/admin/usage?days=1"))
                    .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(usage.statusCode()).isEqualTo(200);
            JsonNode report = new ObjectMapper().readTree(usage.body());
            assertThat(report.at("/summary/requests").asLong()).as("this replica's own calls").isEqualTo(5);
            assertThat(usage.body()).doesNotContain(WRONG);
            assertThat(t.app.metrics().registry().scrape()).doesNotContain(WRONG);
        }
        List<String> lines = logged.lines();
        assertThat(lines).anyMatch(l -> l.contains("log.store: postgres://tollgate@127.0.0.1:" + pg.port()
                + "/refusing") && l.contains("password authentication failed"));
        assertThat(lines).noneMatch(l -> l.contains(WRONG));
    }

    private static double metric(TestTollgate t, String name) {
        return t.app.metrics().registry().scrape().lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long until = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(until);
            LockSupport.parkNanos(50_000_000L);
        }
    }
}

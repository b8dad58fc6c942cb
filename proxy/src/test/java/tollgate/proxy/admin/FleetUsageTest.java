package tollgate.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.store.PostgresTestServer;
import tollgate.metering.store.StoreShipperTest;
import tollgate.metering.log.UsageRecord;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.budget.BudgetEnforcementTest;

/**
 * Two replicas with one {@code log.store} (issue 20): {@code /admin/usage} on either answers for the fleet, the
 * same numbers as {@code stats} over both replicas' logs together and as {@code stats --store}.
 */
class FleetUsageTest {
    private static final String ADMIN = "admin-token-for-fleet-tests";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ENV = Map.of("TOLLGATE_DB_PASSWORD", PostgresTestServer.PASSWORD,
            "TOLLGATE_ADMIN_TOKEN", ADMIN);
    private static PostgresTestServer pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() {
        pg = PostgresTestServer.shared();
    }

    @Test
    void adminUsageOnEitherReplicaIsTheSumOfBothToTheCent() throws Exception {
        String yaml = logStore("fleet");
        Map<String, String> env = ENV;
        try (TestTollgate a = TestTollgate.start("http://127.0.0.1:9", dir.resolve("a"), yaml, env);
             TestTollgate b = TestTollgate.start("http://127.0.0.1:9", dir.resolve("b"), yaml, env)) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            for (int i = 0; i < 40; i++) {
                assertThat(a.app.usageLog().append(StoreShipperTest.record(now.minusSeconds(i), "a-" + i, i, "a"))).isTrue();
            }
            for (int i = 0; i < 25; i++) {
                assertThat(b.app.usageLog().append(StoreShipperTest.record(now.minusSeconds(i), "b-" + i, i + 3, "b"))).isTrue();
            }
            a.awaitRecords(40);
            b.awaitRecords(25);
            awaitStored("fleet", 65, 30);
            String query = "/admin/usage?days=1&by=key&by=user&by=model&by=tag:team";
            JsonNode fromA = JSON.readTree(get(a, query));
            JsonNode fromB = JSON.readTree(get(b, query));
            assertThat(fromA.at("/summary/requests").asLong()).isEqualTo(65);
            assertThat(fromA.get("summary")).isEqualTo(fromB.get("summary"));
            assertThat(fromA.get("groups")).isEqualTo(fromB.get("groups"));

            // the newest calls on either replica are the fleet's, newest first, each as its replica logged it
            JsonNode recent = JSON.readTree(get(b, "/admin/usage/recent?limit=100"));
            assertThat(recent).hasSize(65);
            Map<String, JsonNode> logged = new java.util.HashMap<>();
            for (TestTollgate t : List.of(a, b)) {
                for (String line : t.awaitRecords(t == a ? 40 : 25)) {
                    JsonNode l = JSON.readTree(line);
                    logged.put(l.get("request_id").asText(), l);
                }
            }
            Instant previous = Instant.MAX;
            for (JsonNode r : recent) {
                JsonNode line = logged.get(r.get("request_id").asText());
                assertThat(line).as("a logged call: %s", r).isNotNull();
                line.fieldNames().forEachRemaining(f -> assertThat(r.get(f)).as(f).isEqualTo(line.get(f)));
                Instant ts = Instant.parse(r.get("ts").asText());
                assertThat(ts).isBeforeOrEqualTo(previous);
                previous = ts;
            }
            JsonNode ofOneKey = JSON.readTree(get(a, "/admin/usage/recent?limit=100&key=key-1"));
            assertThat(ofOneKey).isNotEmpty().allSatisfy(r -> assertThat(r.get("key").asText()).isEqualTo("key-1"));
            assertThat(ofOneKey.findValuesAsText("request_id")).anyMatch(id -> id.startsWith("a-"))
                    .anyMatch(id -> id.startsWith("b-"));

            // both logs in one folder (b's days as a day's other part): stats over them, and stats --store
            Path both = Files.createDirectories(dir.resolve("both"));
            copyLog(a.logDir, both, "");
            copyLog(b.logDir, both, ".b");
            String[] args = {"--days", "1", "--by", "key", "--by", "user", "--by", "model", "--by", "tag:team",
                    "--format", "json"};
            JsonNode fromLogs = JSON.readTree(UsageReportsTest.stats(concat(new String[] {"stats", "--log-dir",
                    both.toString()}, args))[1]);
            assertThat(fromLogs.get("summary")).isEqualTo(fromA.get("summary"));
            assertThat(fromLogs.get("groups")).isEqualTo(fromA.get("groups"));
            assertThat(fromLogs.at("/summary/total_cost_usd").decimalValue())
                    .isEqualByComparingTo(fromA.at("/summary/total_cost_usd").decimalValue());
        }
    }

    @Test
    void warningsOfAFleetReportAreThisReplicasOwnShareOfOutliers() throws Exception {
        String yaml = logStore("fleetwarnings");
        try (TestTollgate a = TestTollgate.start("http://127.0.0.1:9", dir.resolve("a"), yaml, ENV);
             TestTollgate b = TestTollgate.start("http://127.0.0.1:9", dir.resolve("b"), yaml, ENV)) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            for (int i = 0; i < 1000; i++) {
                assertThat(a.app.usageLog().append(StoreShipperTest.record(now.minusMillis(i), "wa-" + i, i, "a"))).isTrue();
                assertThat(b.app.usageLog().append(StoreShipperTest.record(now.minusMillis(i), "wb-" + i, i, "b"))).isTrue();
            }
            a.awaitRecords(1000);
            b.awaitRecords(1000);
            awaitStored("fleetwarnings", 2000, 60);
            JsonNode report = JSON.readTree(get(a, "/admin/usage?days=1&warnings=true"));
            assertThat(report.at("/summary/requests").asLong()).isEqualTo(2000);
            // the outlier scan reads a's log: one call in its 1,000 (the top 0.1 %), not two for the fleet's 2,000
            assertThat(report.findValues("rule").stream().filter(r -> r.asText().equals("token_outlier")).count()).isOne();
            assertThat(report.toString()).contains("1 call of 1,000").doesNotContain("2 calls of 1,000");
            // a range older than memory keeps: the database answers it, and the outliers' share comes from a's log
            String since = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(400).toString();
            JsonNode old = JSON.readTree(get(a, "/admin/usage?since=" + since + "&warnings=true"));
            assertThat(old.at("/summary/requests").asLong()).isEqualTo(2000);
            assertThat(old.toString()).contains("1 call of 1,000");
        }
    }

    /**
     * An upstream (a gateway, a cache, a mock) that sends the same {@code x-request-id} on every answer: each call is
     * its own record in the database and counted once, as in the replicas' logs (the store's key is a line's place
     * in its replica's log, not the upstream's id).
     */
    @Test
    void callsOfAnUpstreamThatRepeatsItsRequestIdAreEachStoredAndCounted() throws Exception {
        String yaml = logStore("sameid");
        Map<String, String> env = ENV;
        HttpClient http = HttpClient.newHttpClient();
        try (MockWebServer upstream = new MockWebServer()) {
            upstream.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    return new MockResponse.Builder().addHeader("Content-Type", "application/json")
                            .addHeader("x-request-id", "req_same").body(BudgetEnforcementTest.ANSWER).build();
                }
            });
            upstream.start();
            try (TestTollgate a = TestTollgate.start(upstream.url("/").toString(), dir.resolve("a"), yaml, env);
                 TestTollgate b = TestTollgate.start(upstream.url("/").toString(), dir.resolve("b"), yaml, env)) {
                for (int i = 0; i < 25; i++) {
                    TestTollgate t = i % 5 == 0 ? b : a;
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(t.base()
                                    + "/v1/chat/completions")).header("Authorization", "Bearer sk-app-" + i % 3)
                            .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                }
                assertThat(a.awaitRecords(20)).allMatch(l -> l.contains("\"request_id\":\"req_same\""));
                assertThat(b.awaitRecords(5)).allMatch(l -> l.contains("\"request_id\":\"req_same\""));
                awaitStored("sameid", 25, 30);
                JsonNode fromB = JSON.readTree(get(b, "/admin/usage?days=1&by=key"));
                assertThat(fromB.at("/summary/requests").asLong()).isEqualTo(25);
                assertThat(fromB.at("/summary/total_cost_usd").decimalValue())
                        .isEqualByComparingTo(BudgetEnforcementTest.PER_CALL.multiply(java.math.BigDecimal.valueOf(25)));

                Path both = Files.createDirectories(dir.resolve("both"));
                copyLog(a.logDir, both, "");
                copyLog(b.logDir, both, ".b");
                String[] args = {"--days", "1", "--by", "key", "--format", "json"};
                JsonNode fromLogs = JSON.readTree(UsageReportsTest.stats(concat(new String[] {"stats", "--log-dir",
                        both.toString()}, args))[1]);
                assertThat(fromB.get("summary")).isEqualTo(fromLogs.get("summary"));
                assertThat(fromB.get("groups")).isEqualTo(fromLogs.get("groups"));
            }
        }
    }

    @Test
    void aReplicaStartingLaterRebuildsTheUsersBudgetFromTheFleetsSpend() throws Exception {
        Map<String, String> env = ENV;
        String yaml = logStore("fleetbudget") + "budgets:\n  mode: after\n  users:\n"
                + "    default: [{window: monthly, usd: 0.00001}]\n";
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (TestTollgate a = TestTollgate.start("http://127.0.0.1:9", dir.resolve("a"), yaml, env)) {
            UsageRecord spent = StoreShipperTest.record(now.minusSeconds(1), "a-spent", 1, "a");
            assertThat(spent.user()).isEqualTo("user-1");
            assertThat(spent.costUsd()).isGreaterThan(new java.math.BigDecimal("0.00001"));
            assertThat(a.app.usageLog().append(spent)).isTrue();
            awaitStored("fleetbudget", 1, 30);
        }
        // replica b never saw the call: its ledger comes from the fleet's rollups, and user-1 is over budget there
        try (TestTollgate b = TestTollgate.start("http://127.0.0.1:9", dir.resolve("b"), yaml, env)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(b.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer sk-fleet").header("X-Tollgate-User", "user-1")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("x-tollgate-budget-scope")).hasValue("user");
        }
    }

    /** A config whose {@code log.store} is a new database of the test server (its password in {@link #ENV}). */
    private static String logStore(String database) throws SQLException {
        pg.newStore(database);
        return "log:\n  store: postgres://" + PostgresTestServer.USER + "@127.0.0.1:" + pg.port() + "/" + database
                + "\n";
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    private static void copyLog(Path from, Path to, String part) throws Exception {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("usage-\\d{4}-\\d{2}-\\d{2}\\.jsonl"))
                    .toList()) {
                String name = f.getFileName().toString();
                Files.copy(f, to.resolve(name.replace(".jsonl", part + ".jsonl")));
            }
        }
    }

    /** Polls the database until it holds {@code records} records (the replicas ship on timers of their own). */
    private static void awaitStored(String database, long records, int seconds) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (stored(database) != records) {
            assertThat(System.nanoTime()).as("all " + records + " records in " + database + " within " + seconds + " s")
                    .isLessThan(until);
            LockSupport.parkNanos(50_000_000L);
        }
    }

    private static long stored(String database) {
        try (Connection c = java.sql.DriverManager.getConnection(pg.jdbcUrl(database), PostgresTestServer.USER,
                PostgresTestServer.PASSWORD); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM usage_records")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    private static String get(TestTollgate t, String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(t.base() + path))
                .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }
}

package tollgate.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The compose stack as a user starts it: two replicas sharing budgets through the stack's Redis and usage records
 * through its PostgreSQL, Prometheus scraping both with the alert rules, and the dashboard's queries answered by that
 * Prometheus. The methods run in order: later ones look at the traffic the budget test made.
 */
@Tag("containers")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeStackIT {
    /** team-b's daily budget in deploy/compose/tollgate.yaml. */
    static final BigDecimal TEAM_B_DAILY_USD = new BigDecimal("1");
    static final ObjectMapper JSON = new ObjectMapper();

    ComposeStack stack;
    Instant started;

    @BeforeAll
    void start() throws Exception {
        PodmanHost host = PodmanHost.orNull();
        if (host == null || host.composeOrNull() == null) {
            return; // each test reports the reason as skipped
        }
        stack = new ComposeStack(host);
        started = Instant.now();
        stack.start();
    }

    @BeforeEach
    void engine() {
        PodmanHost.require().compose();
    }

    @AfterAll
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void prometheusScrapesBothReplicasAndLoadsEveryAlertRule() throws Exception {
        List<String> up = List.of();
        for (int i = 0; i < 120 && up.size() < 2; i++) {
            up = new ArrayList<>();
            for (JsonNode t : stack.prometheus.targets().json().path("data").path("activeTargets")) {
                if (t.path("labels").path("job").asText().equals("tollgate") && t.path("health").asText().equals("up")) {
                    up.add(t.path("labels").path("instance").asText());
                }
            }
            Thread.sleep(500);
        }
        assertThat(up).as("tollgate targets up\n" + stack.prometheus.targets().json()).containsExactlyInAnyOrder("tollgate-1:8080", "tollgate-2:8080");

        List<String> expected = DashboardQueries.rules().stream().map(DashboardQueries.Query::title).toList();
        Map<String, String> health = Map.of();
        for (int i = 0; i < 90; i++) {
            health = new TreeMap<>();
            for (JsonNode g : stack.prometheus.rules().json().path("data").path("groups")) {
                for (JsonNode r : g.path("rules")) {
                    health.put(r.path("name").asText(), r.path("health").asText());
                }
            }
            if (health.keySet().containsAll(expected) && health.values().stream().allMatch("ok"::equals)) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(health).as("rules loaded by the stack's Prometheus, and their health after evaluation").containsOnlyKeys(expected);
        assertThat(health.values()).allMatch("ok"::equals);
    }

    @Test
    @Order(2)
    void callsSpreadOverBothReplicasStopAtTheKeysBudgetSharedThroughRedis() throws Exception {
        ProxyClient[] replicas = {stack.replica1, stack.replica2};
        Map<String, String> costly = Map.of("X-Mock-Prompt-Tokens", "100000", "X-Mock-Completion-Tokens", "5000");
        List<Integer> okOn = new ArrayList<>();
        BigDecimal spentBeforeLastSuccess = null;
        BigDecimal spent = BigDecimal.ZERO;
        HttpResponse<String> refusal = null;
        int refusedOn = -1;
        for (int i = 0; i < 20 && refusal == null; i++) {
            int r = i % 2;
            HttpResponse<String> res = replicas[r].chat(stack.teamBKey, ProxyClient.chatBody("gpt-4o", false), costly);
            if (res.statusCode() == 429) {
                refusal = res;
                refusedOn = r;
            } else {
                assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
                okOn.add(r);
                spentBeforeLastSuccess = spent;
                // the next call must see this one's real cost: wait until the shared store has settled it
                spent = settledSpend(replicas[1 - r], spent);
            }
        }
        assertThat(refusal).as("team-b was never refused within 20 calls" + stack.logs()).isNotNull();
        assertThat(okOn).as("successful calls before the refusal, by replica").contains(0, 1);
        assertThat(refusal.body()).contains("budget_exceeded").contains("team-b");
        assertThat(refusal.headers().firstValue("Retry-After")).isPresent();
        // stopped exactly at the budget: spent was under it before the last call that passed, and at it now
        assertThat(spentBeforeLastSuccess).isLessThan(TEAM_B_DAILY_USD);
        assertThat(spent).isGreaterThanOrEqualTo(TEAM_B_DAILY_USD.subtract(new BigDecimal("0.01")));
        // the other replica refuses too: one budget, kept in Redis
        HttpResponse<String> other = replicas[1 - refusedOn].chat(stack.teamBKey, ProxyClient.chatBody("gpt-4o", false), costly);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(429);
        // another key is not affected
        for (ProxyClient replica : replicas) {
            assertThat(replica.chat(stack.teamAKey, ProxyClient.chatBody("gpt-4o-mini", false), Map.of()).statusCode()).isEqualTo(200);
        }

        // virtual keys: the upstream saw only the provider key, never a team's key
        assertThat(stack.upstream.calls).isNotEmpty().allSatisfy(c -> assertThat(c.authorization()).isEqualTo("Bearer " + stack.upstreamKey));
        // both replicas logged their share, and the logged costs add up to the spend Redis holds
        List<JsonNode> teamB1 = teamB(UsageLogLines.parse(stack.usageLog("tollgate-1")));
        List<JsonNode> teamB2 = teamB(UsageLogLines.parse(stack.usageLog("tollgate-2")));
        assertThat(teamB1).isNotEmpty();
        assertThat(teamB2).isNotEmpty();
        assertThat(teamB1.size() + teamB2.size()).isEqualTo(okOn.size());
        BigDecimal logged = teamB1.stream().map(UsageLogLines::cost).reduce(BigDecimal.ZERO, BigDecimal::add)
                .add(teamB2.stream().map(UsageLogLines::cost).reduce(BigDecimal.ZERO, BigDecimal::add));
        assertThat(logged).isEqualByComparingTo(spent);
    }

    private static List<JsonNode> teamB(List<JsonNode> records) {
        return records.stream().filter(n -> n.path("key").asText().equals("team-b") && n.path("status").asInt() == 200).toList();
    }

    /** team-b's daily spend as the other replica reads it from Redis, once it moved past {@code before} with nothing reserved. */
    private BigDecimal settledSpend(ProxyClient replica, BigDecimal before) throws Exception {
        JsonNode row = null;
        for (int i = 0; i < 150; i++) {
            HttpResponse<String> r = replica.get("/admin/budgets", Map.of("Authorization", "Bearer " + stack.adminToken));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            for (JsonNode n : JSON.readTree(r.body())) {
                if (n.path("key").asText().equals("team-b") && n.path("window").asText().equals("daily")) {
                    row = n;
                }
            }
            if (row != null && row.path("reserved_usd").decimalValue().signum() == 0
                    && row.path("spent_usd").decimalValue().compareTo(before) > 0) {
                return row.path("spent_usd").decimalValue();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("team-b's spend never settled past " + before + " (last row: " + row + ")");
    }

    @Test
    @Order(3)
    void prometheusReturnsTheCostPerKeyOfAllCalls() throws Exception {
        Map<String, BigDecimal> logged = new HashMap<>();
        for (String service : List.of("tollgate-1", "tollgate-2")) {
            for (JsonNode n : UsageLogLines.parse(stack.usageLog(service))) {
                logged.merge(n.path("key").asText(), UsageLogLines.cost(n), BigDecimal::add);
            }
        }
        assertThat(logged).containsKeys("team-a", "team-b");
        Map<String, Double> scraped = Map.of();
        for (int i = 0; i < 120; i++) {
            PrometheusApi.Answer a = stack.prometheus.query("sum by (key) (tollgate_cost_usd_total)");
            assertThat(a.ok()).as(a.json().toString()).isTrue();
            scraped = new TreeMap<>();
            for (JsonNode s : a.result()) {
                scraped.put(s.path("metric").path("key").asText(), s.path("value").path(1).asDouble());
            }
            if (matches(logged, scraped)) {
                break;
            }
            Thread.sleep(500);
        }
        assertThat(matches(logged, scraped)).as("cost per key: Prometheus %s, usage logs %s", scraped, logged).isTrue();
    }

    private static boolean matches(Map<String, BigDecimal> logged, Map<String, Double> scraped) {
        return logged.keySet().equals(scraped.keySet()) && logged.entrySet().stream()
                .allMatch(e -> Math.abs(e.getValue().doubleValue() - scraped.get(e.getKey())) < 1e-9);
    }

    @Test
    @Order(4)
    void everyDashboardAndAlertExpressionIsAcceptedByTheStacksPrometheus() throws Exception {
        List<DashboardQueries.Query> all = new ArrayList<>(DashboardQueries.panels());
        all.addAll(DashboardQueries.variables());
        all.addAll(DashboardQueries.rules());
        List<String> refused = new ArrayList<>();
        Instant now = Instant.now();
        for (DashboardQueries.Query q : all) {
            String expr = DashboardQueries.substitute(q.expr(), "1m", "1h");
            PrometheusApi.Answer a = stack.prometheus.queryRange(expr, now.minusSeconds(600), now, 15);
            if (!a.ok()) {
                refused.add(q.title() + ": " + expr + " -> " + a.json().path("error").asText());
            }
        }
        assertThat(all).hasSizeGreaterThan(20);
        assertThat(refused).as("expressions Prometheus refused").isEmpty();
    }

    @Test
    @Order(5)
    void theMainDashboardPanelsReturnData() throws Exception {
        List<String> main = List.of("Cost", "Calls", "Tokens (input + output)", "Cost per key", "Cost per model",
                "Cost per key in range", "Cost per model in range", "Tokens by type", "Requests by status",
                "Call duration", "Upstream time to first byte", "Overhead added by tollgate",
                "Budget used", "Budget remaining", "Budget refusals", "Budget remaining over time");
        Map<String, List<String>> byPanel = DashboardQueries.panels().stream().collect(Collectors.groupingBy(
                DashboardQueries.Query::title, TreeMap::new, Collectors.mapping(DashboardQueries.Query::expr, Collectors.toList())));
        assertThat(byPanel).containsKeys(main.toArray(String[]::new));
        List<String> empty = List.of();
        for (int attempt = 0; attempt < 40; attempt++) {
            // rates need traffic across scrapes: keep calls coming while the panels are asked
            ProxyClient replica = attempt % 2 == 0 ? stack.replica1 : stack.replica2;
            assertThat(replica.chat(stack.teamAKey, ProxyClient.chatBody("gpt-4o-mini", false), Map.of()).statusCode()).isEqualTo(200);
            empty = new ArrayList<>();
            Instant now = Instant.now();
            String range = (now.getEpochSecond() - started.getEpochSecond() + 60) + "s";
            for (String title : main) {
                boolean data = false;
                for (String expr : byPanel.get(title)) {
                    PrometheusApi.Answer a = stack.prometheus.queryRange(DashboardQueries.substitute(expr, "30s", range), started, now, 5);
                    data |= a.ok() && a.hasNumbers();
                }
                if (!data) {
                    empty.add(title);
                }
            }
            if (empty.isEmpty()) {
                break;
            }
            Thread.sleep(1500);
        }
        assertThat(empty).as("main panels without data").isEmpty();
        PrometheusApi.Answer keys = stack.prometheus.labelValues("key", "tollgate_requests_total");
        assertThat(keys.json().path("data").toString()).contains("team-a").contains("team-b");
    }

    @Test
    @Order(6)
    void bothReplicasAnswerAdminUsageWithTheFleetsTotalsFromPostgres() throws Exception {
        JsonNode before = fleetSummary(0);
        int calls = 6;
        long prompt = 700;
        long completion = 30;
        Map<String, String> tokens = Map.of("X-Mock-Prompt-Tokens", Long.toString(prompt),
                "X-Mock-Completion-Tokens", Long.toString(completion));
        for (int i = 0; i < calls; i++) {
            ProxyClient replica = i % 2 == 0 ? stack.replica1 : stack.replica2;
            HttpResponse<String> res = replica.chat(stack.teamAKey, ProxyClient.chatBody("gpt-4o-mini", false), tokens);
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        }
        JsonNode after = fleetSummary(before.path("requests").asLong() + calls);
        // the calls just made, three through each replica, counted once by both
        assertThat(after.path("requests").asLong() - before.path("requests").asLong()).isEqualTo(calls);
        assertThat(after.path("input_tokens").asLong() - before.path("input_tokens").asLong()).isEqualTo(calls * prompt);
        assertThat(after.path("output_tokens").asLong() - before.path("output_tokens").asLong()).isEqualTo(calls * completion);
        assertThat(after.path("total_cost_usd").decimalValue()).isGreaterThan(before.path("total_cost_usd").decimalValue());
    }

    /**
     * {@code /admin/usage}'s summary once replica 1 and replica 2 answer the same one, counting at least
     * {@code atLeast} requests and every record of both replicas' usage logs (each replica ships its log every
     * 200 ms at most): requests, tokens and cost equal to the logs added up, exactly.
     */
    private JsonNode fleetSummary(long atLeast) throws Exception {
        List<JsonNode> logged = null;
        JsonNode one;
        JsonNode two;
        long end = System.nanoTime() + 30_000_000_000L;
        while (true) {
            one = usageSummary(stack.replica1);
            two = usageSummary(stack.replica2);
            // the logs (read through podman exec, slow) only once the replicas agree on enough
            if (one.equals(two) && one.path("requests").asLong() >= atLeast) {
                logged = new ArrayList<>(UsageLogLines.parse(stack.usageLog("tollgate-1")));
                logged.addAll(UsageLogLines.parse(stack.usageLog("tollgate-2")));
                if (one.path("requests").asLong() == logged.size()) {
                    break;
                }
            }
            if (System.nanoTime() > end) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(one).as("/admin/usage summary: replica 1, then replica 2" + stack.logs()).isEqualTo(two);
        assertThat(one.path("requests").asLong()).as("requests").isGreaterThanOrEqualTo(atLeast);
        assertThat(logged).as("usage logs read").isNotNull();
        assertThat(one.path("requests").asLong()).as("requests: both replicas' logs hold %d", logged.size()).isEqualTo(logged.size());
        assertThat(one.path("input_tokens").asLong()).isEqualTo(logged.stream().mapToLong(n -> n.path("input_tokens").asLong()).sum());
        assertThat(one.path("output_tokens").asLong()).isEqualTo(logged.stream().mapToLong(n -> n.path("output_tokens").asLong()).sum());
        assertThat(one.path("total_tokens").asLong()).isEqualTo(logged.stream().mapToLong(n -> n.path("total_tokens").asLong()).sum());
        BigDecimal cost = logged.stream().map(UsageLogLines::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(one.path("total_cost_usd").decimalValue()).as("total_cost_usd, the logs' %s", cost).isEqualByComparingTo(cost);
        return one;
    }

    private JsonNode usageSummary(ProxyClient replica) throws Exception {
        HttpResponse<String> r = replica.get("/admin/usage?days=1", Map.of("Authorization", "Bearer " + stack.adminToken));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("summary");
    }
}

package tollgate.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tollgate.proxy.TestTollgate;

/**
 * Budgets of users, tag values, models and all traffic through the proxy (SPEC 11), each call costing exactly
 * {@link BudgetEnforcementTest#PER_CALL} against a worst case above it.
 */
class ScopedBudgetsTest extends BudgetedCalls {
    static final ObjectMapper JSON = new ObjectMapper();
    static final BigDecimal PER_CALL = BudgetEnforcementTest.PER_CALL;

    @Test
    void fortyConcurrentCallsByFiveKeysOfOneUserNeverPassTheUsersBudget() throws Exception {
        BigDecimal limit = PER_CALL.multiply(BigDecimal.valueOf(13));
        String cfg = "budgets:\n  users:\n    default: [{window: monthly, usd: " + limit.toPlainString() + "}]\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            List<CompletableFuture<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                fs.add(http.sendAsync(request(tg, "sk-user-key-" + (i % 5), Map.of("X-Tollgate-User", "123")),
                        HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            for (CompletableFuture<HttpResponse<String>> f : fs) {
                HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    ok++;
                } else {
                    assertThat(r.statusCode()).isEqualTo(429);
                    assertThat(r.headers().firstValue("x-tollgate-budget-scope")).hasValue("user");
                    assertThat(r.body()).contains("budget_exceeded", "user '123'", "monthly");
                }
            }
            assertThat(ok).isBetween(1, 13);
            assertThat(served.get()).isEqualTo(ok);
            BigDecimal spent = BigDecimal.ZERO;
            for (String line : tg.awaitRecords(40)) {
                JsonNode r = JSON.readTree(line);
                if (!r.get("cost_usd").isNull()) {
                    spent = spent.add(r.get("cost_usd").decimalValue());
                }
            }
            assertThat(spent).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void globalTagAndModelBudgetsRefuseNamingTheirScope() throws Exception {
        String cfg = """
                budgets:
                  global: [{window: daily, usd: 1}]
                  tags:
                    team: {default: [{window: monthly, usd: 1}], overrides: {search: [{window: monthly, usd: 0.00001}]}}
                  models:
                    gpt-4o-mini: [{window: hourly, usd: 1}]
                """;
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            HttpResponse<String> ok = call(tg, "sk-a", Map.of("X-Tollgate-Tag-Team", "ads"));
            HttpResponse<String> search = call(tg, "sk-a", Map.of("X-Tollgate-Tag-Team", "search"));

            assertThat(ok.statusCode()).isEqualTo(200);
            // before this call nothing was spent: the tightest scope had its whole limit
            assertThat(ok.headers().firstValue("x-tollgate-budget-remaining-usd")).hasValue("1");
            assertThat(search.statusCode()).isEqualTo(429);
            assertThat(search.headers().firstValue("x-tollgate-budget-scope")).hasValue("tag");
            assertThat(search.headers().firstValue("x-should-retry")).hasValue("false");
            assertThat(search.headers().firstValue("retry-after")).isPresent();
            JsonNode error = JSON.readTree(search.body()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("budget_exceeded");
            assertThat(error.get("type").asText()).isEqualTo("insufficient_quota");
            assertThat(error.get("message").asText()).startsWith("Budget exceeded for tag team=search: ")
                    .contains("the monthly budget of $0.00001", "resets at");
        }
        String tight = "budgets:\n  global: [{window: daily, usd: 0.00001}]\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir.resolve("g"), tight)) {
            HttpResponse<String> r = call(tg, "sk-a", Map.of());
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("x-tollgate-budget-scope")).hasValue("global");
            assertThat(JSON.readTree(r.body()).get("error").get("message").asText())
                    .startsWith("Budget exceeded for global: ");
        }
        String model = "budgets:\n  models:\n    gpt-4o-mini: [{window: daily, usd: 0.00001}]\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir.resolve("m"), model)) {
            HttpResponse<String> r = call(tg, "sk-a", Map.of());
            assertThat(r.headers().firstValue("x-tollgate-budget-scope")).hasValue("model");
            assertThat(r.body()).contains("Budget exceeded for model gpt-4o-mini: ");
        }
        assertThat(served.get()).isEqualTo(1);
    }

    @Test
    void aRestartRebuildsUserTagModelAndGlobalSpendFromTheLog() throws Exception {
        String cfg = """
                budgets:
                  global: [{window: daily, usd: 10}]
                  users: {default: [{window: monthly, usd: 1}]}
                  tags: {team: {default: [{window: monthly, usd: 2}]}}
                  models: {gpt-4o-mini: [{window: daily, usd: 3}]}
                """;
        Map<String, String> who = Map.of("X-Tollgate-User", "123", "X-Tollgate-Tag-Team", "search");
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            assertThat(call(tg, "sk-a", who).statusCode()).isEqualTo(200);
            assertThat(call(tg, "sk-b", who).statusCode()).isEqualTo(200);
            tg.awaitRecords(2);
        }
        BigDecimal twoCalls = PER_CALL.multiply(BigDecimal.valueOf(2));
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            HttpResponse<String> r = call(tg, "sk-c", who);
            assertThat(new BigDecimal(r.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow()))
                    .isEqualByComparingTo(BigDecimal.ONE.subtract(twoCalls));
            tg.awaitRecords(3);
            HttpResponse<String> other = call(tg, "sk-c", Map.of("X-Tollgate-Tag-Team", "search"));
            assertThat(new BigDecimal(other.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow()))
                    .isEqualByComparingTo(new BigDecimal(2).subtract(PER_CALL.multiply(BigDecimal.valueOf(3))));
            tg.awaitRecords(4);
            HttpResponse<String> model = call(tg, "sk-c", Map.of());
            assertThat(new BigDecimal(model.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow()))
                    .isEqualByComparingTo(new BigDecimal(3).subtract(PER_CALL.multiply(BigDecimal.valueOf(4))));
        }
    }

    @Test
    void usersDroppedFromTheBoundedStoreAreRebuiltFromTheLogWhenTheyReturn() throws Exception {
        // three accounts kept in memory for ten users, each of whom spends the whole of a one-call budget
        String cfg = "server:\n  budget_accounts: 3\nbudgets:\n  mode: after\n  users:\n    default: [{window: monthly, usd: "
                + PER_CALL.toPlainString() + "}]\n";
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg)) {
            for (int u = 0; u < 10; u++) {
                assertThat(call(tg, "sk-a", Map.of("X-Tollgate-User", "u" + u)).statusCode()).isEqualTo(200);
            }
            tg.awaitRecords(10);
            for (int round = 0; round < 2; round++) {
                for (int u = 0; u < 10; u++) {
                    HttpResponse<String> again = call(tg, "sk-a", Map.of("X-Tollgate-User", "u" + u));
                    assertThat(again.statusCode()).as("round %d, user u%d", round, u).isEqualTo(429);
                    assertThat(again.headers().firstValue("x-tollgate-budget-scope")).hasValue("user");
                }
            }
            assertThat(served.get()).isEqualTo(10);
        }
    }

    @Test
    void adminBudgetsListEveryScopeAndTheCallerSeesItsKeyAndUser() throws Exception {
        String admin = "admin-token-scopes";
        String cfg = """
                budgets:
                  default: [{window: monthly, usd: 9}]
                  global: [{window: daily, usd: 1}]
                  users: {default: [{window: monthly, usd: 2}], overrides: {"123": [{window: monthly, usd: 5}]}}
                  tags:
                    team: {default: [{window: monthly, usd: 3}], overrides: {search: [{window: monthly, usd: 4}]}}
                  models:
                    gpt-4o-mini: [{window: hourly, usd: 6}]
                """;
        try (TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, cfg,
                Map.of("TOLLGATE_ADMIN_TOKEN", admin))) {
            assertThat(call(tg, "sk-scopes", Map.of("X-Tollgate-User", "u1", "X-Tollgate-Tag-Team", "ads")).statusCode())
                    .isEqualTo(200);
            tg.awaitRecords(1);
            JsonNode rows = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/admin/budgets"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).body());
            List<String> seen = new ArrayList<>();
            for (JsonNode r : rows) {
                seen.add(r.get("scope").asText() + " " + r.get("name").asText() + " "
                        + r.get("limit_usd").decimalValue().toPlainString() + " "
                        + r.get("spent_usd").decimalValue().stripTrailingZeros().toPlainString());
            }
            String fp = rows.get(0).get("key").asText();
            assertThat(fp).startsWith("fp-");
            String spent = PER_CALL.toPlainString();
            // keys, users, tag values, models, global; configured members before any call, seen ones once counted
            assertThat(seen).containsExactly(
                    "key " + fp + " 9 " + spent,
                    "user 123 5 0", "user u1 2 " + spent,
                    "tag team=ads 3 " + spent, "tag team=search 4 0",
                    "model gpt-4o-mini 6 " + spent,
                    "global  1 " + spent);
            assertThat(rows.get(1).has("key")).isFalse();
            assertThat(rows.toString()).doesNotContain("sk-scopes");

            JsonNode users = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/admin/budgets?scope=user"))
                    .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).body());
            assertThat(users).hasSize(2);
            assertThat(users.findValuesAsText("scope")).containsOnly("user");

            JsonNode own = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/tollgate/v1/usage"))
                    .header("Authorization", "Bearer sk-scopes").header("X-Tollgate-User", "u1").build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("budgets");
            assertThat(own).hasSize(2);
            assertThat(own.get(0).get("key").asText()).isEqualTo(fp);
            assertThat(own.get(1).get("scope").asText()).isEqualTo("user");
            assertThat(own.get(1).get("name").asText()).isEqualTo("u1");
            assertThat(own.get(1).get("spent_usd").decimalValue()).isEqualByComparingTo(PER_CALL);
        }
    }
}

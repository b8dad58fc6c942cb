package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;

class BudgetSnapshotTest {

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), settings(BudgetMode.RESERVE, clock),
            BudgetEvents.NONE, null);

    @Test
    void rowsShowLimitSpentReservedRemainingAndResetPerKeyAndWindow() {
        List<BudgetLimit> storybot = List.of(usdLimit(BudgetWindow.DAILY, "5"),
                new BudgetLimit(BudgetWindow.MONTHLY, usd("50"), 20_000_000L));
        await(ledger.record("storybot", storybot, usd("1.25"), 3000));
        BudgetDecision inFlight = await(ledger.reserve("storybot", storybot, usd("0.5"), 1000));
        assertThat(inFlight.allowed()).isTrue();
        await(ledger.record("fp-0123456789ab", List.of(usdLimit(BudgetWindow.TOTAL, "1")), usd("0.25"), 10));

        List<BudgetRow> rows = await(ledger.snapshot());

        assertThat(rows).containsExactly(
                new BudgetRow("fp-0123456789ab", "key", "fp-0123456789ab", "total", usd("1"), usd("0.25"), usd("0"), usd("0.75"), null,
                        null, null, null, null),
                new BudgetRow("storybot", "key", "storybot", "daily", usd("5"), usd("1.25"), usd("0.5"), usd("3.25"),
                        "2026-11-23T00:00:00Z", null, null, null, null),
                new BudgetRow("storybot", "key", "storybot", "monthly", usd("50"), usd("1.25"), usd("0.5"), usd("48.25"),
                        "2026-12-01T00:00:00Z", 20_000_000L, 3000L, 1000L, 19_996_000L));
    }

    @Test
    void configuredKeysAppearEvenBeforeTheirFirstCallAndUseTheirCurrentLimits() {
        await(ledger.record("storybot", List.of(usdLimit(BudgetWindow.DAILY, "5")), usd("1"), 0));

        List<BudgetRow> rows = await(ledger.snapshot(Map.of(
                "storybot", KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "8"))),
                "quiet", KeyBudget.of(List.of(usdLimit(BudgetWindow.HOURLY, "2")))), BudgetScopes.NONE));

        assertThat(rows).extracting(BudgetRow::key, BudgetRow::window, BudgetRow::limitUsd, BudgetRow::remainingUsd)
                .containsExactly(
                        tuple("quiet", "hourly", usd("2"), usd("2")),
                        tuple("storybot", "daily", usd("8"), usd("7")));
    }

    @Test
    void rowSerializesToTheAdminApiFieldNames() throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.WRITE_BIGDECIMAL_AS_PLAIN);
        BudgetRow usdOnly = new BudgetRow("storybot", "key", "storybot", "daily", usd("5"), usd("1.25"), usd("0.5"), usd("3.25"),
                "2026-11-23T00:00:00Z", null, null, null, null);
        BudgetRow withTokens = new BudgetRow("k", "key", "k", "total", null, usd("0"), usd("0"), null, null, 100L, 10L, 0L, 90L);

        assertThat(json.writeValueAsString(usdOnly)).isEqualTo("{\"key\":\"storybot\",\"scope\":\"key\",\"name\":\"storybot\",\"window\":\"daily\","
                + "\"limit_usd\":5,\"spent_usd\":1.25,\"reserved_usd\":0.5,\"remaining_usd\":3.25,"
                + "\"resets_at\":\"2026-11-23T00:00:00Z\"}");
        assertThat(json.writeValueAsString(withTokens)).isEqualTo("{\"key\":\"k\",\"scope\":\"key\",\"name\":\"k\",\"window\":\"total\","
                + "\"limit_usd\":null,\"spent_usd\":0,\"reserved_usd\":0,\"remaining_usd\":null,\"resets_at\":null,"
                + "\"limit_tokens\":100,\"spent_tokens\":10,\"reserved_tokens\":0,\"remaining_tokens\":90}");
    }

    @Test
    void everyScopeHasRowsConfiguredMembersFirstSeenOnesOnceCounted() {
        tollgate.config.BudgetsConfig config = new tollgate.config.BudgetsConfig(tollgate.config.BudgetMode.RESERVE,
                java.time.ZoneOffset.UTC, null, tollgate.config.StoreFailurePolicy.ALLOW, List.of(),
                tollgate.config.UnpricedPolicy.DENY, List.of(usdLimit(BudgetWindow.DAILY, "10")),
                new tollgate.config.ScopeBudgets(List.of(usdLimit(BudgetWindow.MONTHLY, "2")),
                        Map.of("vip", List.of(usdLimit(BudgetWindow.MONTHLY, "20")))),
                Map.of(), Map.of("gpt-4o", List.of(usdLimit(BudgetWindow.HOURLY, "3"))));
        BudgetScopes scopes = new BudgetScopes(config);
        await(ledger.record(scopes.of("k", KeyBudget.NONE, "u1", Map.of(), null), usd("0.5"), 0));
        BudgetRow userRow = new BudgetRow(null, "user", "u1", "monthly", usd("2"), usd("0.5"), usd("0"), usd("1.5"),
                "2026-12-01T00:00:00Z", null, null, null, null);

        List<BudgetRow> rows = await(ledger.snapshot(Map.of(), scopes));

        assertThat(rows).extracting(BudgetRow::scope, BudgetRow::name, BudgetRow::spentUsd).containsExactly(
                tuple("user", "u1", usd("0.5")), tuple("user", "vip", usd("0")),
                tuple("model", "gpt-4o", usd("0")), tuple("global", "", usd("0.5")));
        assertThat(rows.get(0)).isEqualTo(userRow);
    }
}

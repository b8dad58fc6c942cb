package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetMode;

/**
 * The in-process store finds the accounts of calls lately without a cache read: an account dropped beyond the bound
 * is never taken from that table, and the bound still keeps the busy accounts.
 */
class RecentAccountsTest {

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final BudgetScopes scopes = new BudgetScopes(ScopedBudgetsTest.scoped(List.of(),
            ScopedBudgetsTest.monthly("5"), Map.of(), Map.of()));
    private final LocalBudgetStore store = new LocalBudgetStore(10);
    private final BudgetLedger ledger = BudgetLedger.create(store, settings(BudgetMode.RESERVE, clock),
            BudgetEvents.NONE, null);

    @AfterEach
    void close() {
        store.close();
    }

    private CallBudgets user(String user) {
        return scopes.of("app", KeyBudget.NONE, user, Map.of(), null);
    }

    private void spend(CallBudgets call, String usd) {
        BudgetDecision d = await(ledger.reserve(call, usd(usd), 0));
        assertThat(d.allowed()).isTrue();
        await(ledger.settle(d.reservation(), usd(usd), 0));
    }

    @Test
    void anAccountDroppedBeyondTheBoundIsNotTakenFromTheTableOfRecentOnes() {
        CallBudgets u = user("u");
        spend(u, "4");
        String account = BudgetScope.user("u").account();
        assertThat(await(ledger.reserve(u, usd("2"), 0)).allowed()).isFalse(); // $1 left, found in the table

        for (int i = 0; i < 200 && store.keeps(account); i++) {
            spend(user("one-off-" + i), "0.01");
            spend(user("one-off-" + i), "0.01");
            spend(user("one-off-" + i), "0.01");
        }
        assertThat(store.keeps(account)).isFalse();
        assertThat(store.evicted()).isGreaterThan(0);

        // without a rebuild from the log (none configured here) a dropped account starts again from zero: the
        // counters it had are gone, and the table of recent accounts must not hand them back
        BudgetDecision again = await(ledger.reserve(u, usd("2"), 0));
        assertThat(again.allowed()).isTrue();
        assertThat(again.remainingUsd()).isEqualByComparingTo("5");
    }

    @Test
    void aBusyAccountFoundInTheTableIsStillKeptOverAccountsUsedLess() {
        CallBudgets busy = user("busy");
        String account = BudgetScope.user("busy").account();

        for (int i = 0; i < 300; i++) {
            for (int k = 0; k < 8; k++) { // most of them found in the table, without a cache read
                spend(busy, "0.0001");
            }
            spend(user("one-off-" + i), "0.01");
        }

        assertThat(store.evicted()).isGreaterThan(250);
        assertThat(store.keeps(account)).isTrue();
        assertThat(await(ledger.reserve(busy, usd("0"), 0)).remainingUsd()).isEqualByComparingTo("4.76");
    }
}

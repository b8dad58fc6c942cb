package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.ScopeBudgets;
import tollgate.config.StoreFailurePolicy;
import tollgate.config.UnpricedPolicy;

/** Budgets of every scope (SPEC 11) in one reservation, on the in-process store. */
class ScopedBudgetsTest {

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final LocalBudgetStore store = new LocalBudgetStore();
    private final RecordingEvents events = new RecordingEvents();
    private final BudgetLedger ledger = BudgetLedger.create(store, settings(BudgetMode.RESERVE, clock), events, null);
    static BudgetsConfig scoped(List<BudgetLimit> global, ScopeBudgets users, Map<String, ScopeBudgets> tags,
            Map<String, List<BudgetLimit>> models) {
        return new BudgetsConfig(BudgetMode.RESERVE, ZoneOffset.UTC, null, StoreFailurePolicy.ALLOW, List.of(),
                UnpricedPolicy.DENY, global, users, tags, models);
    }

    static ScopeBudgets monthly(String usd) {
        return new ScopeBudgets(List.of(usdLimit(BudgetWindow.MONTHLY, usd)), Map.of());
    }

    @Test
    void fortyCallsByFiveKeysOfOneUserWhoseBudgetAffordsThirteenPassThirteenTimes() throws Exception {
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(), monthly("1.30"), Map.of(), Map.of()));
        int allowed = race(40, i -> scopes.of("key-" + (i % 5), KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY,
                "100"))), "123", Map.of(), "gpt-4o"), i -> ledger);

        assertThat(allowed).isEqualTo(13);
        KeyBudget user = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "1.30")));
        WindowState s = await(ledger.states(BudgetScope.user("123").account(), user)).get(0);
        assertThat(s.spentUsd()).isEqualByComparingTo("1.30");
        assertThat(s.reservedUsd()).isEqualByComparingTo("0");
    }

    @Test
    void aCallRefusedByOneScopeHoldsNothingInTheOthersAndNamesIt() {
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(usdLimit(BudgetWindow.DAILY, "10")), monthly("50"),
                Map.of(), Map.of()));
        KeyBudget key = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "100")));
        await(ledger.record(scopes.of("other", KeyBudget.NONE, null, Map.of(), null), usd("9.50"), 0));

        BudgetDecision d = await(ledger.reserve(scopes.of("storybot", key, "123", Map.of(), null), usd("1"), 0));

        assertThat(d.allowed()).isFalse();
        assertThat(d.scope()).isEqualTo(BudgetScope.GLOBAL);
        assertThat(d.message("storybot")).startsWith("Budget exceeded for global: the daily budget of $10.00")
                .contains("resets at 2026-11-23T00:00:00Z");
        assertThat(events.rejections).containsExactly("global:/daily");
        assertThat(await(ledger.states("storybot", key)).get(0).reservedUsd()).isEqualByComparingTo("0");
        KeyBudget user = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "50")));
        assertThat(await(ledger.states(BudgetScope.user("123").account(), user)).get(0).reservedUsd())
                .isEqualByComparingTo("0");
        assertThat(store.holdCount("storybot")).isZero();
    }

    @Test
    void tagAndModelBudgetsRefuseNamingTheirScopeAndOverridesWin() {
        ScopeBudgets team = new ScopeBudgets(List.of(usdLimit(BudgetWindow.MONTHLY, "5")),
                Map.of("search", List.of(usdLimit(BudgetWindow.MONTHLY, "20"))));
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(), ScopeBudgets.NONE, Map.of("team", team),
                Map.of("gpt-4o", List.of(usdLimit(BudgetWindow.DAILY, "15")))));

        BudgetDecision ads = await(ledger.reserve(scopes.of("k", KeyBudget.NONE, null, Map.of("team", "ads"),
                "gpt-4o-mini"), usd("6"), 0));
        BudgetDecision search = await(ledger.reserve(scopes.of("k", KeyBudget.NONE, null, Map.of("team", "search"),
                "gpt-4o"), usd("16"), 0));

        assertThat(ads.scope()).isEqualTo(BudgetScope.tag("team", "ads"));
        assertThat(ads.message("k")).startsWith("Budget exceeded for tag team=ads: ")
                .contains("the monthly budget of $5.00");
        assertThat(search.scope()).isEqualTo(BudgetScope.model("gpt-4o"));
        assertThat(search.message("k")).startsWith("Budget exceeded for model gpt-4o: ")
                .contains("the daily budget of $15.00");
        assertThat(await(ledger.reserve(scopes.of("k", KeyBudget.NONE, null, Map.of("team", "search"), "gpt-4o"),
                usd("14"), 0)).allowed()).isTrue();
    }

    @Test
    void settleChargesEveryScopeAndTheAnswerShowsWhatTheCallerHadBeforeIt() {
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(usdLimit(BudgetWindow.DAILY, "10")), monthly("3"),
                Map.of(), Map.of()));
        CallBudgets call = scopes.of("storybot", KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "5"))), "123",
                Map.of(), null);

        BudgetDecision d = await(ledger.reserve(call, usd("1"), 100));
        await(ledger.settle(d.reservation(), usd("0.25"), 40));
        BudgetDecision next = await(ledger.reserve(call, usd("1"), 100));

        assertThat(d.scope()).isEqualTo(BudgetScope.user("123"));
        assertThat(d.remainingUsd()).isEqualByComparingTo("3");
        assertThat(next.remainingUsd()).isEqualByComparingTo("2.75");
        assertThat(await(ledger.states("storybot", call.keyBudget())).get(0).spentUsd()).isEqualByComparingTo("0.25");
        KeyBudget global = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "10")));
        WindowState g = await(ledger.states(BudgetScope.GLOBAL.account(), global)).get(0);
        assertThat(g.spentUsd()).isEqualByComparingTo("0.25");
        assertThat(g.reservedUsd()).isEqualByComparingTo("1");
        await(ledger.release(next.reservation()));
        assertThat(await(ledger.states(BudgetScope.GLOBAL.account(), global)).get(0).reservedUsd())
                .isEqualByComparingTo("0");
    }

    @Test
    void anAllowedCallsWindowsShowEveryScopeWithoutItsOwnHoldAndTheTightestIsTheLeastLeft() {
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(usdLimit(BudgetWindow.DAILY, "10")), monthly("3"),
                Map.of("team", monthly("2.5")), Map.of()));
        CallBudgets call = scopes.of("storybot", KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "5"))), "123",
                Map.of("team", "search"), null);
        await(ledger.reserve(call, usd("0.5"), 10)); // another call's hold, still open: it counts in what is left

        BudgetDecision d = await(ledger.reserve(call, usd("1"), 100));

        assertThat(d.scope()).isEqualTo(BudgetScope.tag("team", "search"));
        assertThat(d.remainingUsd()).isEqualByComparingTo("2");
        assertThat(d.windows()).extracting(w -> w.scope().kind().id() + " "
                + Money.plain(w.state().remainingUsd()).toPlainString() + " "
                + Money.plain(w.state().reservedUsd()).toPlainString() + " " + w.state().counter().reservedTokens())
                .containsExactly("key 4.5 0.5 10", "user 2.5 0.5 10", "tag 2 0.5 10", "global 9.5 0.5 10");
        assertThat(d.windows()).isSameAs(d.windows());
    }

    @Test
    void eachScopeAlertsOncePerWindowAndFraction() {
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(usdLimit(BudgetWindow.DAILY, "10")), monthly("5"),
                Map.of(), Map.of()));
        CallBudgets call = scopes.of("storybot", KeyBudget.NONE, "123", Map.of(), null);

        await(ledger.record(call, usd("4.10"), 0));
        await(ledger.record(call, usd("0.10"), 0));
        await(ledger.record(call, usd("4.00"), 0));

        assertThat(events.alerts).extracting(a -> a.scope().describe() + " " + a.window().id() + " " + a.fraction())
                .containsExactly("user '123' monthly 0.8", "user '123' monthly 0.95", "global daily 0.8");
        assertThat(events.alerts.get(0).describe()).startsWith("budget alert: user '123' crossed 80% of its monthly");
    }

    @Test
    void theInProcessStoreKeepsABoundedNumberOfAccountsAndCountsWhatItDrops() {
        LocalBudgetStore small = new LocalBudgetStore(100);
        WindowSlot day = BudgetWindows.slot(BudgetWindow.DAILY, clock.instant(), ZoneOffset.UTC);
        for (int i = 0; i < 10_000; i++) {
            small.load(BudgetScope.user("u" + i).account(), day, usd("0.01"), 1);
        }

        assertThat(small.evicted()).isGreaterThanOrEqualTo(10_000 - 100);
    }

    @Test
    void emptyUsersAndTagValuesAreNoMemberAndStrangeOnesAreEscapedInTheAccount() {
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(), monthly("1"), Map.of("team", monthly("1")),
                Map.of()));

        assertThat(scopes.of("k", KeyBudget.NONE, "", Map.of("team", ""), null).isEmpty()).isTrue();
        assertThat(BudgetScope.user("a b}{").account()).isEqualTo("#user:a%20b%7D%7B");
        assertThat(BudgetScope.key("storybot").account()).isEqualTo("storybot");
    }

    /** Calls of $0.10 (worst case and cost) on {@code ledgers}, budgets per call; how many were allowed. */
    static int race(int calls, IntFunction<CallBudgets> budgets, IntFunction<BudgetLedger> ledgers) {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            return LedgerConcurrencyTest.race(calls, ledgers, budgets, usd("0.10"), usd("0.10"), pool).allowed.get();
        } finally {
            pool.shutdownNow();
        }
    }
}

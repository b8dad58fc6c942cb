package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.StoreFailurePolicy;

/**
 * Users and tag values dropped from the bounded in-process store are rebuilt from the usage log when they return
 * (SPEC 11): a dropped account never starts again from zero, and calls settled during the rebuild count once.
 */
class ReturningAccountsTest {

    @TempDir
    Path logDir;

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final BudgetsConfig config = ScopedBudgetsTest.scoped(List.of(), ScopedBudgetsTest.monthly("5"), Map.of(),
            Map.of());
    private final BudgetScopes scopes = new BudgetScopes(config);
    private final KeyBudget userBudget = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "5")));
    private final List<LocalBudgetStore> stores = new ArrayList<>();

    @AfterEach
    void close() {
        stores.forEach(LocalBudgetStore::close);
    }

    private static String line(String id, String user, String cost) {
        return "{\"ts\":\"2026-11-22T09:00:00Z\",\"request_id\":\"" + id + "\",\"key\":\"app\","
                + "\"endpoint\":\"/v1/chat/completions\",\"model\":\"gpt-4o-mini\",\"priced_as\":\"gpt-4o-mini\","
                + "\"stream\":false,\"status\":200,\"input_tokens\":1,\"total_tokens\":2,\"estimated\":false,"
                + "\"cost_usd\":" + cost + ",\"user\":\"" + user + "\",\"tags\":{},\"error\":null}";
    }

    private void log(String... lines) throws IOException {
        Files.write(logDir.resolve("usage-2026-11-22.jsonl"), List.of(lines), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private LedgerRebuild rebuild() {
        return new LedgerRebuild(logDir, ZoneOffset.UTC, clock);
    }

    private LocalBudgetStore store(int maxAccounts, LocalBudgetStore.Rebuild source) {
        LocalBudgetStore store = new LocalBudgetStore(maxAccounts);
        store.rebuildReturning(source);
        stores.add(store);
        return store;
    }

    private LocalBudgetStore.Rebuild fromLog() {
        return (accounts, counted) -> rebuild().spendOf(accounts, EnumSet.of(BudgetWindow.MONTHLY), scopes, counted);
    }

    private CallBudgets user(String user) {
        return scopes.of("app", KeyBudget.NONE, user, Map.of(), null);
    }

    private BudgetLedger ledger(LocalBudgetStore store, StoreFailurePolicy onFailure) {
        return BudgetLedger.create(store, settings(BudgetMode.RESERVE, ZoneOffset.UTC, onFailure, clock),
                BudgetEvents.NONE, null);
    }

    @Test
    void usersBeyondTheBoundAtStartUpAndUsersDroppedLaterAreRebuiltWhenTheyReturn() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int u = 0; u < 50; u++) {
            lines.add(line("r" + u, "u" + u, "4"));
        }
        log(lines.toArray(String[]::new));
        LocalBudgetStore store = store(10, fromLog());
        LedgerRebuild.Result r = rebuild().loadInto(store, EnumSet.of(BudgetWindow.MONTHLY), 10, scopes);
        assertThat(r.keys()).isEqualTo(10); // the key and 9 users; 41 users dropped (the count stops at the bound)
        assertThat(r.droppedKeys()).isEqualTo(10);
        BudgetLedger ledger = ledger(store, StoreFailurePolicy.ALLOW);

        // each user has $1 of $5 left: a $2 worst case is refused for every one of them, kept or dropped...
        for (int round = 0; round < 2; round++) {
            for (int u = 0; u < 50; u++) {
                BudgetDecision d = ledger.reserve(user("u" + u), usd("2"), 0).get(10, TimeUnit.SECONDS);
                assertThat(d.allowed()).as("round %d, user u%d", round, u).isFalse();
                assertThat(d.scope()).isEqualTo(BudgetScope.user("u" + u));
            }
        }
        // ...though the 50 users churned through 10 places (dropped again in round 1, rebuilt again in round 2)
        assertThat(store.evicted()).isGreaterThan(0);
        assertThat(store.rebuilt()).isGreaterThanOrEqualTo(41);
        // and $1 still fits: the rebuilt spend is exact, not a refusal by default
        BudgetDecision fits = ledger.reserve(user("u3"), usd("1"), 0).get(10, TimeUnit.SECONDS);
        assertThat(fits.allowed()).isTrue();
    }

    @Test
    void aNewUserIsNotWaitingForAScanAndAUserNeverDroppedKeepsItsCounters() throws Exception {
        CountDownLatch scans = new CountDownLatch(1);
        LocalBudgetStore store = store(1000, (accounts, counted) -> {
            scans.countDown();
            return Map.of();
        });
        BudgetLedger ledger = ledger(store, StoreFailurePolicy.ALLOW);

        CompletableFuture<BudgetDecision> d = ledger.reserve(user("fresh"), usd("2"), 0);

        assertThat(d).isCompleted();
        assertThat(d.get().allowed()).isTrue();
        assertThat(scans.getCount()).isEqualTo(1);
    }

    @Test
    void callsSettledWhileTheLogIsScannedCountOnceAndReservationsWaitForTheScan() throws Exception {
        log(line("before-1", "u1", "1.5"), line("before-2", "u1", "1"));
        CountDownLatch scanning = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        LocalBudgetStore store = store(1000, (accounts, counted) -> {
            scanning.countDown();
            assertThat(proceed.await(10, TimeUnit.SECONDS)).isTrue();
            return fromLog().spendOf(accounts, counted);
        });
        String account = BudgetScope.user("u1").account();
        store.markEvicted(account); // as the start-up rebuild does past its bound
        BudgetLedger ledger = ledger(store, StoreFailurePolicy.ALLOW);

        // u1 returns with a call that settles (no hold): its rebuild starts, the call counts at once
        await(ledger.record(user("u1"), usd("0.5"), 0, "during-1"));
        assertThat(scanning.await(10, TimeUnit.SECONDS)).isTrue();
        // its record reaches the log while the scan runs, as the accounting thread writes it after settling
        log(line("during-1", "u1", "0.5"));
        CompletableFuture<BudgetDecision> waiting = ledger.reserve(user("u1"), usd("1.5"), 0);
        assertThat(waiting).isNotDone();

        proceed.countDown();
        BudgetDecision d = waiting.get(10, TimeUnit.SECONDS);

        // 1.5 + 1 from before, 0.5 during (once): $3 spent of $5, so $1.50 more fits and is held
        assertThat(d.allowed()).isTrue();
        WindowState s = await(ledger.states(account, userBudget)).get(0);
        assertThat(s.spentUsd()).isEqualByComparingTo("3.0");
        assertThat(s.reservedUsd()).isEqualByComparingTo("1.5");
        assertThat(store.rebuilt()).isEqualTo(1);
    }

    @Test
    void aFailedRebuildMeetsOnStoreFailure() throws Exception {
        LocalBudgetStore store = store(1000, (accounts, counted) -> {
            throw new IOException("disk gone");
        });
        store.markEvicted(BudgetScope.user("u1").account());

        BudgetDecision denied = ledger(store, StoreFailurePolicy.DENY).reserve(user("u1"), usd("1"), 0)
                .get(10, TimeUnit.SECONDS);

        assertThat(denied.allowed()).isFalse();
        assertThat(denied.storeUnavailable()).isTrue();
    }

    @Test
    void theScanLeavesOutCallsTheStoreCountedAlready() throws Exception {
        log(line("a", "u1", "1"), line("b", "u1", "2"), line("c", "u2", "4"));
        String u1 = BudgetScope.user("u1").account();

        Map<String, Map<WindowSlot, LedgerRebuild.Spend>> found = rebuild().spendOf(java.util.Set.of(u1),
                EnumSet.of(BudgetWindow.MONTHLY), scopes, (account, id) -> id.equals("b"));

        assertThat(found).containsOnlyKeys(u1);
        assertThat(found.get(u1).values()).singleElement()
                .satisfies(s -> assertThat(s.usd()).isEqualByComparingTo("1"));
    }
}

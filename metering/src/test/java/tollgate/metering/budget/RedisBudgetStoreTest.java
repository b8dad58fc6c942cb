package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandType;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.StoreFailurePolicy;

class RedisBudgetStoreTest {

    private static RedisTestServer redis;
    private static RedisClient adminClient;
    private static StatefulRedisConnection<String, String> adminConnection;
    private static RedisCommands<String, String> admin;

    /** In the future: Redis expires keys by its own clock, and counters of a past window would vanish at once. */
    private final MutableClock clock = MutableClock.at("2030-11-22T10:30:00Z");
    private final List<RedisBudgetStore> stores = new ArrayList<>();
    private final RecordingEvents events = new RecordingEvents();
    private final List<BudgetLimit> oneDollar = List.of(usdLimit(BudgetWindow.DAILY, "1.00"),
            usdLimit(BudgetWindow.MONTHLY, "100"));

    @BeforeAll
    static void startRedis() {
        redis = RedisTestServer.startOrSkip();
        adminClient = RedisClient.create(redis.uri().toString());
        adminConnection = adminClient.connect();
        admin = adminConnection.sync();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (adminConnection != null) {
            adminConnection.close();
            adminClient.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        admin.flushall();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisBudgetStore::close);
    }

    private RedisBudgetStore store(URI uri, Duration timeout) {
        RedisBudgetStore store = RedisBudgetStore.connect(uri, timeout);
        stores.add(store);
        return store;
    }

    private RedisBudgetStore connectedStore() {
        RedisBudgetStore store = store(redis.uri(), Duration.ofSeconds(5));
        await(store.connected());
        return store;
    }

    private BudgetLedger ledger(BudgetStore store, BudgetMode mode, StoreFailurePolicy policy) {
        return BudgetLedger.create(store, LedgerFixtures.settings(mode, ZoneOffset.UTC, policy, clock), events, null);
    }

    @Test
    void twoLedgersOnOneRedisShareOneBudget() throws Exception {
        BudgetLedger a = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetLedger b = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        KeyBudget budget = KeyBudget.of(oneDollar);
        int allowed = ScopedBudgetsTest.race(50, i -> CallBudgets.ofKey("k", budget), i -> i % 2 == 0 ? a : b);

        assertThat(allowed).isEqualTo(10);
        assertThat(await(a.states("k", KeyBudget.of(oneDollar))).get(0).spentUsd()).isEqualByComparingTo("1.00");
        assertThat(await(b.states("k", KeyBudget.of(oneDollar))).get(0).reservedUsd()).isEqualByComparingTo("0");
        assertThat(events.storeFailures).isEmpty();
    }

    @Test
    void settleReplacesTheHoldWithTheExactCostAndReleaseGivesItBack() {
        BudgetLedger ledger = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetDecision d = await(ledger.reserve("storybot", oneDollar, usd("0.75"), 2000));
        assertThat(d.allowed()).isTrue();
        assertThat(d.remainingUsd()).isEqualByComparingTo("1");
        assertThat(await(ledger.reserve("storybot", oneDollar, usd("0.30"), 0)).allowed()).isFalse();

        await(ledger.settle(d.reservation(), usd("0.0002775"), 1400));
        BudgetDecision second = await(ledger.reserve("storybot", oneDollar, usd("0.30"), 0));
        await(ledger.release(second.reservation()));

        WindowState daily = await(ledger.states("storybot", KeyBudget.of(oneDollar))).get(0);
        assertThat(daily.spentUsd()).isEqualByComparingTo("0.0002775");
        assertThat(daily.reservedUsd()).isEqualByComparingTo("0");
        assertThat(daily.counter().spentTokens()).isEqualTo(1400);
        assertThat(admin.hlen("tollgate:budget:{storybot}:hold")).isZero();
    }

    @Test
    void refusalFromRedisCarriesTheSameDetailsAsLocal() {
        BudgetLedger ledger = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        await(ledger.record("storybot", oneDollar, usd("0.95"), 0));

        BudgetDecision refused = await(ledger.reserve("storybot", oneDollar, usd("0.10"), 0));

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.window()).isEqualTo(BudgetWindow.DAILY);
        assertThat(refused.spentUsd()).isEqualByComparingTo("0.95");
        assertThat(refused.remainingUsd()).isEqualByComparingTo("0.05");
        assertThat(refused.message("storybot")).contains("'storybot'", "daily", "$1.00", "2030-11-23T00:00:00Z");
        assertThat(events.rejections).containsExactly("storybot/daily");
    }

    @Test
    void countersExpireAfterTheirWindowAndTotalNeverDoes() {
        BudgetLedger ledger = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        clock.set(Instant.now()); // Redis expires keys by its own clock
        List<BudgetLimit> limits = List.of(usdLimit(BudgetWindow.DAILY, "5"), usdLimit(BudgetWindow.TOTAL, "50"));
        await(ledger.record("k", limits, usd("1"), 0));

        WindowSlot daily = BudgetWindows.slot(BudgetWindow.DAILY, clock.instant(), ZoneOffset.UTC);
        long before = System.currentTimeMillis();
        long pttl = admin.pttl(RedisBudgetStore.counterKey("k", daily));
        long expireAt = daily.end().plus(RedisBudgetStore.COUNTER_MARGIN).toEpochMilli();
        assertThat(pttl).isGreaterThan(daily.end().toEpochMilli() - before).isLessThanOrEqualTo(expireAt - before);
        WindowSlot total = BudgetWindows.slot(BudgetWindow.TOTAL, clock.instant(), ZoneOffset.UTC);
        assertThat(admin.pttl(RedisBudgetStore.counterKey("k", total))).isEqualTo(-1);
    }

    @Test
    void fortyCallsByFiveKeysOfOneUserOnTwoReplicasPassThirteenTimesAndRefusalsHoldNothing() {
        BudgetLedger a = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetLedger b = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetScopes scopes = new BudgetScopes(ScopedBudgetsTest.scoped(List.of(usdLimit(BudgetWindow.DAILY, "100")),
                ScopedBudgetsTest.monthly("1.30"), java.util.Map.of(), java.util.Map.of()));
        KeyBudget key = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "100")));
        int allowed = ScopedBudgetsTest.race(40, i -> scopes.of("key-" + (i % 5), key, "u 123", java.util.Map.of(),
                null), i -> i % 2 == 0 ? a : b);

        assertThat(allowed).isEqualTo(13);
        KeyBudget user = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "1.30")));
        WindowState u = await(b.states(BudgetScope.user("u 123").account(), user)).get(0);
        assertThat(u.spentUsd()).isEqualByComparingTo("1.30");
        assertThat(u.reservedUsd()).isEqualByComparingTo("0");
        WindowState global = await(a.states(BudgetScope.GLOBAL.account(), key)).get(0);
        assertThat(global.spentUsd()).isEqualByComparingTo("1.30");
        assertThat(global.reservedUsd()).isEqualByComparingTo("0");
        long keysSpent = 0;
        for (int k = 0; k < 5; k++) {
            WindowState s = await(a.states("key-" + k, key)).get(0);
            assertThat(s.reservedUsd()).isEqualByComparingTo("0");
            keysSpent += s.spentUsd().movePointRight(2).longValueExact();
        }
        assertThat(keysSpent).isEqualTo(130);
        assertThat(events.rejections).hasSize(27).allMatch(r -> r.equals("user:u 123/monthly"));
        assertThat(events.storeFailures).isEmpty();
    }

    @Test
    void holdOfACrashedReplicaIsReleasedAfterTheHoldTtl() {
        RedisBudgetStore crashing = connectedStore();
        BudgetLedger a = ledger(crashing, BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetLedger b = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        assertThat(await(a.reserve("k", oneDollar, usd("1.00"), 0)).allowed()).isTrue();
        crashing.close();
        assertThat(await(b.reserve("k", oneDollar, usd("0.50"), 0)).allowed()).isFalse();

        clock.advance(Duration.ofMinutes(31));

        assertThat(await(b.states("k", KeyBudget.of(oneDollar))).get(0).reservedUsd()).isEqualByComparingTo("0");
        assertThat(admin.zcard("tollgate:budget:{k}:holds")).isZero();
        BudgetDecision later = await(b.reserve("k", oneDollar, usd("0.50"), 0));
        assertThat(later.allowed()).isTrue();
        // the decision shows the window as the call found it: the dead replica's hold is gone
        assertThat(later.reservedUsd()).isEqualByComparingTo("0");
    }

    @Test
    void scriptsAreLoadedAgainAfterRedisForgetsThem() {
        BudgetLedger ledger = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        await(ledger.record("k", oneDollar, usd("0.5"), 0));

        admin.scriptFlush();

        assertThat(await(ledger.reserve("k", oneDollar, usd("0.6"), 0)).allowed()).isFalse();
        assertThat(await(ledger.reserve("k", oneDollar, usd("0.5"), 0)).allowed()).isTrue();
        assertThat(events.storeFailures).isEmpty();
    }

    @Test
    void afterModeOnRedisRefusesOnceSpentReachesTheLimit() {
        BudgetLedger ledger = ledger(connectedStore(), BudgetMode.AFTER, StoreFailurePolicy.DENY);
        BudgetDecision a = await(ledger.reserve("k", oneDollar, usd("0.9"), 0));
        BudgetDecision b = await(ledger.reserve("k", oneDollar, usd("0.9"), 0));
        assertThat(a.allowed()).isTrue();
        assertThat(b.allowed()).isTrue();
        await(ledger.settle(a.reservation(), usd("0.9"), 0));
        await(ledger.settle(b.reservation(), usd("0.9"), 0));

        BudgetDecision refused = await(ledger.reserve("k", oneDollar, usd("0.01"), 0));

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.spentUsd()).isEqualByComparingTo("1.8");
    }

    @Test
    void alertFiresOnceAcrossReplicas() {
        KeyBudget budget = new KeyBudget(oneDollar, List.of(new BigDecimal("0.5")));
        BudgetLedger a = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetLedger b = ledger(connectedStore(), BudgetMode.RESERVE, StoreFailurePolicy.DENY);

        await(a.record("k", budget, usd("0.3"), 0));
        await(b.record("k", budget, usd("0.3"), 0));
        await(a.record("k", budget, usd("0.3"), 0));

        assertThat(events.alerts).singleElement().satisfies(alert -> {
            assertThat(alert.window()).isEqualTo(BudgetWindow.DAILY);
            assertThat(alert.spentUsd()).isEqualByComparingTo("0.6");
        });
    }

    @Test
    void unreachableRedisWithDenyRefusesWithAClearMessage() {
        RedisBudgetStore down = store(URI.create("redis://127.0.0.1:" + RedisTestServer.freePort()),
                Duration.ofMillis(200));
        BudgetLedger ledger = ledger(down, BudgetMode.RESERVE, StoreFailurePolicy.DENY);

        BudgetDecision d = await(ledger.reserve("k", oneDollar, usd("0.1"), 0));

        assertThat(d.allowed()).isFalse();
        assertThat(d.storeUnavailable()).isTrue();
        assertThat(d.message("k")).contains("'k'", "budget store", "redis://127.0.0.1:", "deny");
        assertThat(d.retryAfterSeconds(clock.instant())).isPositive();
        assertThat(events.storeFailures).hasSize(1);
        assertThat(events.rejections).isEmpty();
    }

    @Test
    void unreachableRedisWithAllowLetsTheCallThroughAndCountsTheFailure() {
        RedisBudgetStore down = store(URI.create("redis://127.0.0.1:" + RedisTestServer.freePort()),
                Duration.ofMillis(200));
        BudgetLedger ledger = ledger(down, BudgetMode.RESERVE, StoreFailurePolicy.ALLOW);

        BudgetDecision d = await(ledger.reserve("k", oneDollar, usd("0.1"), 0));
        await(ledger.settle(d.reservation(), usd("0.1"), 0));

        assertThat(d.allowed()).isTrue();
        assertThat(d.degraded()).isTrue();
        assertThat(d.reservation().held()).isFalse();
        assertThat(events.storeFailures).hasSize(2);
        assertThat(events.storeFailures.get(0)).isInstanceOf(BudgetStoreException.class);
    }

    @Test
    void redisStoppedAfterConnectingIsAFailureToo() throws Exception {
        try (RedisTestServer own = RedisTestServer.startOrSkip()) {
            RedisBudgetStore store = store(own.uri(), Duration.ofMillis(300));
            await(store.connected());
            BudgetLedger ledger = ledger(store, BudgetMode.RESERVE, StoreFailurePolicy.DENY);
            assertThat(await(ledger.reserve("k", oneDollar, usd("0.1"), 0)).allowed()).isTrue();

            own.stop();

            BudgetDecision d = await(ledger.reserve("k", oneDollar, usd("0.1"), 0));
            assertThat(d.allowed()).isFalse();
            assertThat(d.storeUnavailable()).isTrue();
        }
    }

    @Test
    void slowRedisTimesOutIntoThePolicyAndTheLateHoldIsUndone() throws Exception {
        RedisBudgetStore store = store(redis.uri(), Duration.ofMillis(200));
        await(store.connected());
        BudgetLedger deny = ledger(store, BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetLedger allow = deny.withConfig(
                new BudgetsConfig(BudgetMode.RESERVE, ZoneOffset.UTC, null, StoreFailurePolicy.ALLOW, List.of()));

        // Redis caches the scripts now, so the EVALSHAs sent during the pause will run once it ends
        await(deny.release(await(deny.reserve("warm-up", oneDollar, usd("0"), 0)).reservation()));
        admin.clientPause(1500); // every client but this one waits 1.5 s for an answer
        BudgetDecision denied = await(deny.reserve("k", oneDollar, usd("0.4"), 0));
        BudgetDecision allowed = await(allow.reserve("k", oneDollar, usd("0.4"), 0));

        assertThat(denied.storeUnavailable()).isTrue();
        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.degraded()).isTrue();
        assertThat(events.storeFailures).hasSize(2)
                .allSatisfy(f -> assertThat(f).hasRootCauseInstanceOf(RedisCommandTimeoutException.class));
        // Redis runs the late reserves once the pause ends; a read on the store's own connection is answered
        // after them (one connection answers in order), and by then the releases queued behind them ran too
        WindowState daily = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (daily == null && System.nanoTime() < deadline) {
            try {
                daily = await(deny.states("k", KeyBudget.of(oneDollar))).get(0);
            } catch (CompletionException stillPaused) {
                Thread.sleep(50);
            }
        }
        assertThat(daily).isNotNull();
        assertThat(daily.reservedUsd()).isEqualByComparingTo("0");
        assertThat(admin.hlen("tollgate:budget:{k}:hold")).isZero();
    }

    @Test
    void settleThatRedisRefusesIsRetriedUntilItLands() throws Exception {
        RedisBudgetStore store = connectedStore();
        BudgetLedger ledger = ledger(store, BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetDecision d = await(ledger.reserve("k", oneDollar, usd("0.75"), 0));
        admin.aclSetuser("default", AclSetuserArgs.Builder.removeCommand(CommandType.EVALSHA)
                .removeCommand(CommandType.EVAL)); // every script is refused (NOPERM): the settle never runs
        try {
            await(ledger.settle(d.reservation(), usd("0.30"), 120));
            assertThat(events.storeFailures).singleElement()
                    .satisfies(f -> assertThat(f).hasMessageContaining("settle failed"));
            assertThat(store.pendingSettles()).isEqualTo(1);
        } finally {
            admin.aclSetuser("default", AclSetuserArgs.Builder.allCommands());
        }

        awaitNoPendingSettles(store);

        WindowState daily = await(ledger.states("k", KeyBudget.of(oneDollar))).get(0);
        assertThat(daily.spentUsd()).isEqualByComparingTo("0.30");
        assertThat(daily.counter().spentTokens()).isEqualTo(120);
        assertThat(daily.reservedUsd()).isEqualByComparingTo("0");
        assertThat(admin.hlen("tollgate:budget:{k}:hold")).isZero();
    }

    @ParameterizedTest
    @EnumSource(BudgetMode.class)
    void settleThatTimedOutButRanIsChargedOnceThoughItIsRetried(BudgetMode mode) throws Exception {
        RedisBudgetStore store = store(redis.uri(), Duration.ofMillis(200));
        await(store.connected());
        BudgetLedger ledger = ledger(store, mode, StoreFailurePolicy.DENY);
        BudgetDecision d = await(ledger.reserve("k", oneDollar, usd("0.75"), 0));
        loadSettle(ledger);
        admin.clientPause(1000); // the settle times out, and runs once the pause ends; so do the retries after it

        await(ledger.settle(d.reservation(), usd("0.30"), 120));
        assertThat(events.storeFailures).singleElement()
                .satisfies(f -> assertThat(f).hasRootCauseInstanceOf(RedisCommandTimeoutException.class));
        awaitNoPendingSettles(store);

        WindowState daily = await(ledger.states("k", KeyBudget.of(oneDollar))).get(0);
        assertThat(daily.spentUsd()).isEqualByComparingTo("0.30");
        assertThat(daily.counter().spentTokens()).isEqualTo(120);
        assertThat(daily.reservedUsd()).isEqualByComparingTo("0");
    }

    /**
     * A call that ends as its hold expires (a stream of nearly the hold's hour): the settle times out but runs, and
     * each retry finds the hold gone; it is charged once all the same.
     */
    @Test
    void settleOfACallWhoseHoldExpiredIsChargedOnceThoughItIsRetried() throws Exception {
        RedisBudgetStore store = store(redis.uri(), Duration.ofMillis(200));
        await(store.connected());
        BudgetLedger ledger = ledger(store, BudgetMode.RESERVE, StoreFailurePolicy.DENY);
        BudgetDecision d = await(ledger.reserve("k", oneDollar, usd("0.75"), 0));
        loadSettle(ledger);
        clock.advance(Duration.ofMinutes(60).minusMillis(100));
        admin.clientPause(1000);

        await(ledger.settle(d.reservation(), usd("0.30"), 120));
        awaitNoPendingSettles(store);

        WindowState daily = await(ledger.states("k", KeyBudget.of(oneDollar))).get(0);
        assertThat(daily.spentUsd()).isEqualByComparingTo("0.30");
        assertThat(daily.counter().spentTokens()).isEqualTo(120);
        assertThat(daily.reservedUsd()).isEqualByComparingTo("0");
    }

    /**
     * Runs one settle (of another key) so the script is loaded: a timed-out EVALSHA of a script Redis does not know
     * yet answers NOSCRIPT when the pause ends, and is not the run-twice case being tested.
     */
    private void loadSettle(BudgetLedger ledger) {
        BudgetDecision warm = await(ledger.reserve("warm", oneDollar, usd("0.10"), 0));
        await(ledger.settle(warm.reservation(), usd("0.01"), 1));
    }

    /** Polls the store's retry count; the retries run on timers of their own. */
    private static void awaitNoPendingSettles(RedisBudgetStore store) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.pendingSettles() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(store.pendingSettles()).as("settles still being retried").isZero();
    }
}

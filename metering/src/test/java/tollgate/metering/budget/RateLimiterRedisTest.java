package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tollgate.config.StoreFailurePolicy;

/** Rate limits shared by replicas through one real Redis (SPEC 11): the same buckets, atomically. */
class RateLimiterRedisTest {

    private static RedisTestServer redis;
    private final MutableClock clock = MutableClock.at("2030-11-22T10:30:00Z");
    private final List<RedisBudgetStore> stores = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisTestServer.startOrSkip();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void closeStores() {
        stores.forEach(RedisBudgetStore::close);
    }

    private RateLimiter replica() throws Exception {
        RedisBudgetStore store = RedisBudgetStore.connect(redis.uri());
        stores.add(store);
        store.connected().get(10, TimeUnit.SECONDS);
        return RateLimiter.beside(store, clock, () -> StoreFailurePolicy.DENY, BudgetEvents.NONE);
    }

    @Test
    void twoReplicasDrawOnOneBucket() throws Exception {
        RateLimiter a = replica();
        RateLimiter b = replica();
        assertThat(a.storeName()).startsWith("redis://");
        CallRates rates = CallRates.of(RateLimiterTest.perKey(60L, null), "shared-" + System.nanoTime(), null);
        List<CompletableFuture<RateDecision>> fs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            fs.add((i % 2 == 0 ? a : b).acquire(rates, 0));
        }
        int passed = 0;
        for (CompletableFuture<RateDecision> f : fs) {
            RateDecision d = f.get(10, TimeUnit.SECONDS);
            passed += d.allowed() ? 1 : 0;
        }
        assertThat(passed).isEqualTo(60);
        RateDecision refused = b.acquire(rates, 0).get(10, TimeUnit.SECONDS);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(1_000);
        clock.advance(Duration.ofSeconds(2));
        RateDecision two = a.acquire(rates, 0).get(10, TimeUnit.SECONDS);
        assertThat(two.allowed()).isTrue();
        assertThat(two.headers()).containsEntry("x-ratelimit-remaining-requests", "1");
    }

    @Test
    void aChangedLimitCountsInABucketOfItsOwnInRedisToo() throws Exception {
        RateLimiterTest.changedLimitCountsInABucketOfItsOwn(replica(), "changed-" + System.nanoTime());
    }

    @Test
    void aLargeTokenLimitRefillsAtItsOwnRateInRedisToo() throws Exception {
        RateLimiterTest.largeLimitRefillsAtItsOwnRate(replica(), clock, "big-" + System.nanoTime());
    }

    @Test
    void tokensSettleAcrossReplicas() throws Exception {
        RateLimiter a = replica();
        RateLimiter b = replica();
        CallRates rates = CallRates.of(RateLimiterTest.perKey(null, 10_000L), "tokens-" + System.nanoTime(), "u1");
        RateDecision first = a.acquire(rates, 6_000).get(10, TimeUnit.SECONDS);
        assertThat(first.allowed()).isTrue();
        assertThat(b.acquire(rates, 6_000).get(10, TimeUnit.SECONDS).allowed()).isFalse();
        first.hold().settle(1_000).get(10, TimeUnit.SECONDS);
        RateDecision second = b.acquire(rates, 6_000).get(10, TimeUnit.SECONDS);
        assertThat(second.allowed()).isTrue();
        assertThat(second.headers()).containsEntry("x-ratelimit-remaining-tokens", "3000");
        second.hold().release().get(10, TimeUnit.SECONDS);
        assertThat(a.acquire(rates, 9_000).get(10, TimeUnit.SECONDS).allowed()).isTrue();
    }

    @Test
    void redisDownFollowsOnStoreFailure() throws Exception {
        RedisBudgetStore dead = RedisBudgetStore.connect(java.net.URI.create("redis://127.0.0.1:" + RedisTestServer.freePort()));
        stores.add(dead);
        CallRates rates = CallRates.of(RateLimiterTest.perKey(1L, null), "k", null);
        RateDecision denied = RateLimiter.beside(dead, clock, () -> StoreFailurePolicy.DENY, BudgetEvents.NONE)
                .acquire(rates, 0).get(10, TimeUnit.SECONDS);
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.unavailableStore()).startsWith("redis://127.0.0.1:");
        RateDecision allowed = RateLimiter.beside(dead, clock, () -> StoreFailurePolicy.ALLOW, BudgetEvents.NONE)
                .acquire(rates, 0).get(10, TimeUnit.SECONDS);
        assertThat(allowed.allowed()).isTrue();
    }
}

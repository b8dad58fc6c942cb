package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tollgate.config.RateLimit;
import tollgate.config.RateLimitsConfig;
import tollgate.config.StoreFailurePolicy;

/** Requests and tokens per minute per key, user and all traffic (SPEC 11), in this process. */
class RateLimiterTest {
    private static final long MINUTE = RateBucket.MINUTE_MICROS;

    private final MutableClock clock = MutableClock.at("2030-11-22T10:30:00Z");
    private final List<String> refusals = new ArrayList<>();
    private final BudgetEvents events = new BudgetEvents() {
        @Override
        public void onRateLimited(String keyId, BudgetScope scope, String kind) {
            refusals.add(keyId + " " + scope.kind().id() + " " + kind);
        }
    };
    private final RateLimiter limiter = new RateLimiter(new LocalRateStore(1_000), clock,
            () -> StoreFailurePolicy.ALLOW, events);

    static RateLimitsConfig perKey(Long rpm, Long tpm) {
        return new RateLimitsConfig(new RateLimit(rpm, tpm), java.util.Map.of(), null, java.util.Map.of(), null);
    }

    @Test
    void aHundredRequestsAgainstSixtyPerMinuteLetSixtyThroughThenOneASecond() throws Exception {
        CallRates rates = CallRates.of(perKey(60L, null), "storybot", null);
        int passed = 0;
        RateDecision last = null;
        for (int i = 0; i < 100; i++) {
            RateDecision d = limiter.acquire(rates, 0).get();
            if (d.allowed()) {
                passed++;
            } else {
                last = d;
            }
        }
        assertThat(passed).isEqualTo(60);
        assertThat(refusals).hasSize(40).containsOnly("storybot key requests");
        assertThat(last.retryAfterMillis()).isEqualTo(1_000);
        assertThat(last.retryAfterSeconds()).isEqualTo(1);
        assertThat(last.headers()).containsEntry("x-ratelimit-limit-requests", "60")
                .containsEntry("x-ratelimit-remaining-requests", "0")
                .containsEntry("x-ratelimit-reset-requests", "1m0s");
        assertThat(last.message()).contains("key 'storybot'", "60 requests per minute", "try again in 1s");

        // the bucket refills one request a second, as OpenAI's does
        clock.advance(Duration.ofMillis(999));
        assertThat(limiter.acquire(rates, 0).get().allowed()).isFalse();
        clock.advance(Duration.ofMillis(1));
        RateDecision next = limiter.acquire(rates, 0).get();
        assertThat(next.allowed()).isTrue();
        assertThat(next.headers()).containsEntry("x-ratelimit-remaining-requests", "0");
        clock.advance(Duration.ofSeconds(60));
        RateDecision full = limiter.acquire(rates, 0).get();
        assertThat(full.headers()).containsEntry("x-ratelimit-remaining-requests", "59")
                .containsEntry("x-ratelimit-reset-requests", "1s");
    }

    @Test
    void aLargeTokenLimitRefillsAtItsOwnRate() throws Exception {
        largeLimitRefillsAtItsOwnRate(limiter, clock, "big");
    }

    /**
     * 40M tokens a minute: a unit is 1.5 µs, which a whole-µs interval per unit rounded to 1 µs (60M a minute, and a
     * full bucket said to be full again after 40 s).
     */
    static void largeLimitRefillsAtItsOwnRate(RateLimiter limiter, MutableClock clock, String key) throws Exception {
        CallRates rates = CallRates.of(perKey(null, 40_000_000L), key, null);
        RateDecision first = limiter.acquire(rates, 40_000_000).get();
        assertThat(first.allowed()).isTrue();
        assertThat(first.headers()).containsEntry("x-ratelimit-remaining-tokens", "0")
                .containsEntry("x-ratelimit-reset-tokens", "1m0s");

        clock.advance(Duration.ofSeconds(40));
        RateDecision second = limiter.acquire(rates, 40_000_000).get();
        assertThat(second.allowed()).isFalse();
        assertThat(second.retryAfterMillis()).isEqualTo(20_000);
        assertThat(second.headers()).containsEntry("x-ratelimit-remaining-tokens", "26666666");

        clock.advance(Duration.ofSeconds(20));
        assertThat(limiter.acquire(rates, 40_000_000).get().allowed()).isTrue();
    }

    @Test
    void aChangedLimitCountsInABucketOfItsOwn() throws Exception {
        changedLimitCountsInABucketOfItsOwn(limiter, "changed");
    }

    /**
     * A bucket's ticks are as long as its limit makes them: read at another limit (after a reload, or beside a
     * replica still on the old one) a drawn bucket said "try again in 30 years" or refused a first call for 77 s.
     */
    static void changedLimitCountsInABucketOfItsOwn(RateLimiter limiter, String key) throws Exception {
        RateDecision first = limiter.acquire(CallRates.of(perKey(1_000L, null), key, null), 0).get();
        assertThat(first.allowed()).isTrue();
        RateDecision lower = limiter.acquire(CallRates.of(perKey(7L, null), key, null), 0).get();
        assertThat(lower.allowed()).isTrue();
        assertThat(lower.headers()).containsEntry("x-ratelimit-remaining-requests", "6");
        RateDecision higher = limiter.acquire(CallRates.of(perKey(40_000_000L, null), key, null), 0).get();
        assertThat(higher.allowed()).isTrue();
        assertThat(higher.headers()).containsEntry("x-ratelimit-remaining-requests", "39999999");
        // and each limit's bucket goes on counting its own calls
        assertThat(limiter.acquire(CallRates.of(perKey(1_000L, null), key, null), 0).get().headers())
                .containsEntry("x-ratelimit-remaining-requests", "998");
    }

    @Test
    void concurrentCallersNeverPassTheLimit() throws Exception {
        CallRates rates = CallRates.of(perKey(60L, null), "k", null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fs.add(pool.submit(() -> limiter.acquire(rates, 0).get().allowed()));
            }
            int passed = 0;
            for (Future<Boolean> f : fs) {
                passed += f.get() ? 1 : 0;
            }
            assertThat(passed).isEqualTo(60);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tokensAreReservedAtTheWorstCaseAndSettledToTheRealCount() throws Exception {
        CallRates rates = CallRates.of(perKey(null, 10_000L), "k", null);
        RateDecision first = limiter.acquire(rates, 6_000).get();
        assertThat(first.allowed()).isTrue();
        assertThat(first.headers()).containsEntry("x-ratelimit-limit-tokens", "10000")
                .containsEntry("x-ratelimit-remaining-tokens", "4000")
                .doesNotContainKey("x-ratelimit-limit-requests");
        RateDecision second = limiter.acquire(rates, 6_000).get();
        assertThat(second.allowed()).isFalse();
        assertThat(second.kind()).isEqualTo("tokens");
        assertThat(second.message()).contains("10000 tokens per minute", "up to 6000");
        // 2,000 more tokens take 12 s to come back at 10,000 a minute
        assertThat(second.retryAfterMillis()).isEqualTo(12_000);

        // the call used 1,000 tokens: 5,000 go back to the bucket
        first.hold().settle(1_000).get();
        RateDecision third = limiter.acquire(rates, 6_000).get();
        assertThat(third.allowed()).isTrue();
        assertThat(third.headers()).containsEntry("x-ratelimit-remaining-tokens", "3000");
        // settling twice changes nothing
        first.hold().settle(0).get();
        assertThat(limiter.acquire(rates, 3_001).get().allowed()).isFalse();
    }

    @Test
    void aCallAskingMoreThanAMinutesTokensWaitsForAFullBucketAndTakesAllOfIt() throws Exception {
        CallRates rates = CallRates.of(perKey(null, 1_000L), "k", null);
        RateDecision big = limiter.acquire(rates, 50_000).get();
        assertThat(big.allowed()).isTrue();
        assertThat(big.headers()).containsEntry("x-ratelimit-remaining-tokens", "0");
        assertThat(limiter.acquire(rates, 1).get().allowed()).isFalse();
    }

    @Test
    void aCallFitsEveryScopeOrDrawsFromNone() throws Exception {
        RateLimitsConfig config = new RateLimitsConfig(new RateLimit(100L, null), java.util.Map.of(),
                new RateLimit(2L, null), java.util.Map.of("vip", new RateLimit(50L, null)), new RateLimit(1_000L, null));
        CallRates user = CallRates.of(config, "k", "123");
        assertThat(user.scopes()).extracting(s -> s.scope().kind()).containsExactly(BudgetScope.Kind.KEY,
                BudgetScope.Kind.USER, BudgetScope.Kind.GLOBAL);
        assertThat(limiter.acquire(user, 0).get().allowed()).isTrue();
        assertThat(limiter.acquire(user, 0).get().allowed()).isTrue();
        RateDecision third = limiter.acquire(user, 0).get();
        assertThat(third.allowed()).isFalse();
        assertThat(third.scope()).isEqualTo(BudgetScope.user("123"));
        // the user's refusal took nothing from the key: 98 of its 100 are left
        RateDecision other = limiter.acquire(CallRates.of(config, "k", "vip"), 0).get();
        assertThat(other.headers()).containsEntry("x-ratelimit-limit-requests", "50")
                .containsEntry("x-ratelimit-remaining-requests", "49");
        RateDecision keyOnly = limiter.acquire(CallRates.of(config, "k", null), 0).get();
        assertThat(keyOnly.headers()).containsEntry("x-ratelimit-limit-requests", "100")
                .containsEntry("x-ratelimit-remaining-requests", "96");
    }

    @Test
    void aReleasedHoldGivesItsRequestAndTokensBack() throws Exception {
        CallRates rates = CallRates.of(perKey(1L, 100L), "k", null);
        RateDecision d = limiter.acquire(rates, 80).get();
        assertThat(d.allowed()).isTrue();
        assertThat(limiter.acquire(rates, 10).get().allowed()).isFalse();
        d.hold().release().get();
        assertThat(limiter.acquire(rates, 100).get().allowed()).isTrue();
    }

    @Test
    void noLimitsNoWork() throws Exception {
        assertThat(CallRates.of(RateLimitsConfig.NONE, "k", "u")).isSameAs(CallRates.NONE);
        assertThat(limiter.acquire(CallRates.NONE, 5).get()).isSameAs(RateDecision.UNLIMITED);
    }

    @Test
    void aFailingStoreFollowsOnStoreFailure() throws Exception {
        RateStore broken = new RateStore() {
            @Override
            public CompletableFuture<Taken> take(List<Draw> draws, long now) {
                return CompletableFuture.failedFuture(new BudgetStoreException("redis://x:6379: down"));
            }

            @Override
            public CompletableFuture<Void> adjust(List<Draw> draws, long now) {
                return CompletableFuture.failedFuture(new BudgetStoreException("down"));
            }

            @Override
            public String name() {
                return "redis://x:6379";
            }
        };
        CallRates rates = CallRates.of(perKey(1L, null), "k", null);
        RateDecision allowed = new RateLimiter(broken, clock, () -> StoreFailurePolicy.ALLOW, events).acquire(rates, 0).get();
        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.hold()).isNull();
        RateDecision denied = new RateLimiter(broken, clock, () -> StoreFailurePolicy.DENY, events).acquire(rates, 0).get();
        assertThat(denied.allowed()).isFalse();
        assertThat(denied.retryAfterSeconds()).isEqualTo(5);
        assertThat(denied.message()).contains("redis://x:6379", "on_store_failure is deny");
    }

    @Test
    void resetDurationsReadAsOpenAisDo() {
        assertThat(RateLimiter.duration(0)).isEqualTo("0s");
        assertThat(RateLimiter.duration(1)).isEqualTo("1ms");
        assertThat(RateLimiter.duration(120_000)).isEqualTo("120ms");
        assertThat(RateLimiter.duration(1_500_000)).isEqualTo("1.5s");
        assertThat(RateLimiter.duration(360_000_000)).isEqualTo("6m0s");
        assertThat(RateLimiter.duration(90_250_000)).isEqualTo("1m30.25s");
    }

    @Test
    void aBucketHoldsExactlyItsLimitEvenWhenAMinuteDoesNotDivide() {
        for (long perMinute : new long[] {7, 999_999, 60_000_000}) {
            long full = 0;
            long nowMicros = 1_764_000_000_123_456L;
            long now = RateBucket.ticks(nowMicros, perMinute);
            long tat = 0;
            while (RateBucket.fits(tat, now, 1, perMinute) && full <= perMinute) {
                tat = RateBucket.after(tat, now, 1, perMinute);
                full++;
            }
            assertThat(full).as("per minute %d", perMinute).isEqualTo(perMinute);
            // and it is full again exactly a minute later (to the µs, rounded up), not sooner
            assertThat(RateBucket.untilFull(tat, nowMicros, perMinute)).isBetween(MINUTE - 2, MINUTE);
            long later = RateBucket.ticks(nowMicros + MINUTE, perMinute);
            assertThat(RateBucket.remaining(tat, nowMicros + MINUTE, perMinute)).isEqualTo(perMinute);
            assertThat(RateBucket.fits(tat, later - 1, perMinute, perMinute)).isFalse();
        }
    }
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import tollgate.config.RateLimit;
import tollgate.config.StoreFailurePolicy;

/**
 * Enforces requests and tokens per minute for every scope a call falls in (SPEC 11: its key, its end user, all
 * traffic) before it is forwarded, in one atomic draw on all their buckets ({@link RateBucket}); the tokens drawn
 * are the prompt estimate plus the most output the call may produce, corrected to the real count when it ends
 * ({@link RateHold#settle}). With a Redis budget store the buckets live there, so a fleet shares them.
 *
 * <pre>
 * acquire(rates, tokens) ──allowed──▶ forward (x-ratelimit-* on the answer) ──▶ hold.settle(tokens used)
 *                        └─refused──▶ 429 rate_limit_exceeded, Retry-After, x-should-retry: true
 * </pre>
 *
 * Returns at once with a future (complete already for the local store); safe to call from an event loop.
 */
public final class RateLimiter {

    static final String REQUESTS = ":requests";
    static final String TOKENS = ":tokens";

    private final RateStore store;
    private final Clock clock;
    private final Supplier<StoreFailurePolicy> onStoreFailure;
    private final BudgetEvents events;
    private final StoreFailureReporter failures = new StoreFailureReporter();

    RateLimiter(RateStore store, Clock clock, Supplier<StoreFailurePolicy> onStoreFailure, BudgetEvents events) {
        this.store = store;
        this.clock = clock;
        this.onStoreFailure = onStoreFailure;
        this.events = events;
    }

    /**
     * The limiter that keeps its buckets beside {@code budgets}' counters: in Redis when that is the budget store,
     * else in this process.
     */
    public static RateLimiter beside(BudgetStore budgets, Clock clock, Supplier<StoreFailurePolicy> onStoreFailure,
                                     BudgetEvents events) {
        RateStore store = budgets instanceof RateStore shared ? shared : new LocalRateStore(LocalRateStore.DEFAULT_MAX_BUCKETS);
        return new RateLimiter(store, clock, onStoreFailure, events);
    }

    /** In this process alone (tests). */
    public static RateLimiter local(Clock clock) {
        return new RateLimiter(new LocalRateStore(LocalRateStore.DEFAULT_MAX_BUCKETS), clock,
                () -> StoreFailurePolicy.ALLOW, BudgetEvents.NONE);
    }

    /**
     * Draws one request, and {@code tokens} (at most a whole bucket: a call larger than a minute's tokens waits for
     * a full bucket and takes all of it), from every bucket of every scope in {@code rates}, or from none.
     */
    public CompletableFuture<RateDecision> acquire(CallRates rates, long tokens) {
        if (rates.isEmpty()) {
            return CompletableFuture.completedFuture(RateDecision.UNLIMITED);
        }
        long now = micros(clock.instant());
        List<RateStore.Draw> draws = new ArrayList<>(rates.scopes().size() * 2);
        List<BudgetScope> owners = new ArrayList<>(rates.scopes().size() * 2);
        for (CallRates.Scoped s : rates.scopes()) {
            RateLimit l = s.limit();
            // ":t:" : buckets count in ticks (an older replica's µs buckets under "tollgate:rate:{…}" are not read);
            // a tick's length follows the limit, so the limit names the bucket: after a reload that changes it, or
            // beside a replica still on the old one, a bucket is never read at another limit's scale
            String account = "tollgate:rate:t:{" + s.scope().account() + "}";
            if (l.requestsPerMinute() != null) {
                draws.add(new RateStore.Draw(account + ":" + l.requestsPerMinute() + REQUESTS, l.requestsPerMinute(), 1));
                owners.add(s.scope());
            }
            if (l.tokensPerMinute() != null) {
                draws.add(new RateStore.Draw(account + ":" + l.tokensPerMinute() + TOKENS, l.tokensPerMinute(),
                        Math.max(0, Math.min(tokens, l.tokensPerMinute()))));
                owners.add(s.scope());
            }
        }
        return store.take(draws, now).handle((taken, failure) -> {
            if (failure != null) {
                StoreFailurePolicy policy = onStoreFailure.get();
                failures.report(events, store.name(), policy, "rate limit", failure);
                return policy == StoreFailurePolicy.DENY ? RateDecision.storeUnavailable(store.name())
                        : RateDecision.allowed(null, Map.of());
            }
            long[] before = taken.before();
            if (taken.granted()) {
                long[] after = new long[before.length];
                for (int i = 0; i < before.length; i++) {
                    RateStore.Draw d = draws.get(i);
                    after[i] = RateBucket.after(before[i], RateBucket.ticks(now, d.perMinute()), d.units(), d.perMinute());
                }
                return RateDecision.allowed(new RateHold(this, draws), headers(draws, after, now));
            }
            int worst = -1;
            long wait = 0;
            for (int i = 0; i < before.length; i++) {
                RateStore.Draw d = draws.get(i);
                long w = RateBucket.waitFor(before[i], now, d.units(), d.perMinute());
                if (w > wait) {
                    wait = w;
                    worst = i;
                }
            }
            if (worst < 0) {
                // the store saw a bucket this replica's clock does not (another replica's clock runs ahead)
                worst = 0;
                wait = 1_000;
            }
            RateStore.Draw d = draws.get(worst);
            BudgetScope scope = owners.get(worst);
            String kind = kind(d);
            StoreFailureReporter.notify(() -> events.onRateLimited(rates.keyId(), scope, kind));
            return RateDecision.refused(scope, kind, d.perMinute(), d.units(), wait, headers(draws, before, now));
        });
    }

    CompletableFuture<Void> adjust(List<RateStore.Draw> draws) {
        if (draws.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        return store.adjust(draws, micros(clock.instant())).handle((done, failure) -> {
            if (failure != null) {
                failures.report(events, store.name(), onStoreFailure.get(), "rate limit settle", failure);
            }
            return null;
        });
    }

    /** OpenAI's headers for the tightest bucket of each kind, its state given by {@code tats}. */
    private static Map<String, String> headers(List<RateStore.Draw> draws, long[] tats, long now) {
        Map<String, String> h = new LinkedHashMap<>(8);
        for (String kind : new String[] {"requests", "tokens"}) {
            int tightest = -1;
            long least = Long.MAX_VALUE;
            for (int i = 0; i < tats.length; i++) {
                RateStore.Draw d = draws.get(i);
                if (kind(d).equals(kind)) {
                    long left = RateBucket.remaining(tats[i], now, d.perMinute());
                    if (left < least) {
                        least = left;
                        tightest = i;
                    }
                }
            }
            if (tightest >= 0) {
                h.put("x-ratelimit-limit-" + kind, Long.toString(draws.get(tightest).perMinute()));
                h.put("x-ratelimit-remaining-" + kind, Long.toString(least));
                h.put("x-ratelimit-reset-" + kind,
                        duration(RateBucket.untilFull(tats[tightest], now, draws.get(tightest).perMinute())));
            }
        }
        return h;
    }

    /** {@code tokens} or {@code requests}: which kind of bucket a draw is on. */
    static String kind(RateStore.Draw d) {
        return isTokens(d) ? "tokens" : "requests";
    }

    static boolean isTokens(RateStore.Draw d) {
        return d.bucket().endsWith(TOKENS);
    }

    static long micros(Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    /** A duration as OpenAI writes it in {@code x-ratelimit-reset-*}: {@code 0s}, {@code 120ms}, {@code 1.5s}, {@code 6m0s}. */
    static String duration(long micros) {
        if (micros <= 0) {
            return "0s";
        }
        long ms = (micros + 999) / 1_000;
        if (ms < 1_000) {
            return ms + "ms";
        }
        long minutes = ms / 60_000;
        String seconds = BigDecimal.valueOf(ms % 60_000, 3).setScale(3, RoundingMode.UNNECESSARY).stripTrailingZeros()
                .toPlainString() + "s";
        return minutes == 0 ? seconds : minutes + "m" + seconds;
    }

    public String storeName() {
        return store.name();
    }
}

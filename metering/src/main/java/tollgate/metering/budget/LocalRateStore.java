package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Rate-limit buckets in this process. A bucket exists only while it is not full (it expires when its {@code tat}
 * passes: an absent bucket is a full one, so nothing is forgotten), and at most {@code maxBuckets} are kept — past
 * that the least recently used are dropped, which can only let a dropped user through sooner, never later. One lock
 * makes a call's draws on all its buckets one step.
 */
final class LocalRateStore implements RateStore {

    static final int DEFAULT_MAX_BUCKETS = 200_000;
    private static final long[] NONE = new long[0];

    private final Cache<String, Held> buckets;

    LocalRateStore(int maxBuckets) {
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxBuckets)
                .expireAfter(new Expiry<String, Held>() {
                    @Override
                    public long expireAfterCreate(String key, Held b, long currentTime) {
                        return b.untilFullNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String key, Held b, long currentTime, long currentDuration) {
                        return b.untilFullNanos();
                    }

                    @Override
                    public long expireAfterRead(String key, Held b, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .build();
    }

    /** A bucket's {@code tat} (in its ticks), its limit, and the time it was written at (epoch µs, by the limiter's clock). */
    private record Held(long tat, long perMinute, long at) {
        /** Kept a second past full: an entry must never vanish while it still holds a claim. */
        long untilFullNanos() {
            return TimeUnit.MICROSECONDS.toNanos(RateBucket.untilFull(tat, at, perMinute)) + TimeUnit.SECONDS.toNanos(1);
        }
    }

    private long tat(String bucket) {
        Held h = buckets.getIfPresent(bucket);
        return h == null ? 0 : h.tat();
    }

    @Override
    public synchronized CompletableFuture<Taken> take(List<Draw> draws, long now) {
        long[] before = draws.isEmpty() ? NONE : new long[draws.size()];
        boolean fits = true;
        for (int i = 0; i < before.length; i++) {
            Draw d = draws.get(i);
            before[i] = tat(d.bucket());
            fits &= RateBucket.fits(before[i], RateBucket.ticks(now, d.perMinute()), d.units(), d.perMinute());
        }
        if (fits) {
            for (int i = 0; i < before.length; i++) {
                Draw d = draws.get(i);
                long tat = RateBucket.after(before[i], RateBucket.ticks(now, d.perMinute()), d.units(), d.perMinute());
                buckets.put(d.bucket(), new Held(tat, d.perMinute(), now));
            }
        }
        return CompletableFuture.completedFuture(new Taken(fits, before));
    }

    @Override
    public synchronized CompletableFuture<Void> adjust(List<Draw> draws, long now) {
        for (Draw d : draws) {
            long ticks = RateBucket.ticks(now, d.perMinute());
            long next = RateBucket.adjusted(tat(d.bucket()), ticks, d.units(), d.perMinute());
            if (next > ticks) {
                buckets.put(d.bucket(), new Held(next, d.perMinute(), now));
            } else {
                buckets.invalidate(d.bucket());
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    long size() {
        return buckets.estimatedSize();
    }

    @Override
    public String name() {
        return "local";
    }
}

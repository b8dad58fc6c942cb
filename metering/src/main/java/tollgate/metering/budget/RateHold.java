package tollgate.metering.budget;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An admitted call's draw on its rate-limit buckets, ended exactly once: {@link #settle} turns the tokens it
 * reserved into the tokens it used; {@link #release} gives everything back (the call was refused by a budget
 * after its rate limits let it through, so it never went out).
 */
public final class RateHold {

    private final RateLimiter limiter;
    private final List<RateStore.Draw> draws;
    private final AtomicBoolean ended = new AtomicBoolean();

    RateHold(RateLimiter limiter, List<RateStore.Draw> draws) {
        this.limiter = limiter;
        this.draws = draws;
    }

    /** The call used {@code tokens} in all: each token bucket is corrected from what it reserved. */
    public CompletableFuture<Void> settle(long tokens) {
        if (!ended.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        List<RateStore.Draw> corrections = new ArrayList<>(draws.size());
        for (RateStore.Draw d : draws) {
            if (RateLimiter.isTokens(d) && tokens != d.units()) {
                corrections.add(new RateStore.Draw(d.bucket(), d.perMinute(), tokens - d.units()));
            }
        }
        return limiter.adjust(corrections);
    }

    /** The call never went out: its request and its tokens are given back. */
    public CompletableFuture<Void> release() {
        if (!ended.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        List<RateStore.Draw> back = new ArrayList<>(draws.size());
        for (RateStore.Draw d : draws) {
            back.add(new RateStore.Draw(d.bucket(), d.perMinute(), -d.units()));
        }
        return limiter.adjust(back);
    }

    public boolean ended() {
        return ended.get();
    }
}

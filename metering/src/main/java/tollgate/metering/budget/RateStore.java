package tollgate.metering.budget;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where rate-limit buckets live ({@link RateBucket}): in this process ({@link LocalRateStore}), or in Redis with
 * the budget counters ({@link RedisBudgetStore}), so every replica draws from one bucket. {@link #take} is atomic
 * over all the buckets of a call: all of them take their units, or none does.
 */
interface RateStore {

    /** One bucket a call draws from: its store id, its limit per minute and the units the call takes. */
    record Draw(String bucket, long perMinute, long units) {}

    /**
     * Takes each draw's units from its bucket if every one of them fits now ({@code now}: epoch µs); otherwise
     * takes nothing.
     *
     * @return the buckets before the call ({@code tat} per draw in its ticks, in order) and whether it was taken
     */
    CompletableFuture<Taken> take(List<Draw> draws, long now);

    /** Changes each draw's bucket by its units (negative: given back), e.g. from tokens reserved to tokens used. */
    CompletableFuture<Void> adjust(List<Draw> draws, long now);

    String name();

    record Taken(boolean granted, long[] before) {}
}

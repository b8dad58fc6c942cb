package tollgate.metering.budget;

/**
 * The arithmetic of one rate-limit bucket (SPEC 11 {@code rate_limits}), a generic cell rate algorithm: the
 * bucket is one number, its theoretical arrival time ({@code tat}), the moment it would be full again. Each unit (a
 * request, a token) moves it 1/N of a minute later for a limit of N per minute; a call fits while the bucket would
 * stay within one minute of now. A limit of N per minute thus lets N units through at once from a full bucket and
 * then refills one unit every 60/N seconds, as OpenAI's limits do ({@code x-ratelimit-reset-*}: the time until
 * full). The same arithmetic runs in Redis ({@link RedisScripts#RATE_TAKE}).
 *
 * <p>Time counts in whole ticks since the epoch, a minute being N × K ticks with K = 60,000,000 / N rounded down
 * (at least 1): a unit is exactly K ticks and a minute exactly N units, so every limit is exact, and a tick is 1 to
 * 2 µs long. (A whole number of µs per unit cannot be exact: 60,000,000 µs / 40,000,000 rounded down let 60M units
 * a minute through.) Now in ticks is rounded down, durations out in µs up: a caller told to wait is never early.
 * Ticks since the epoch stay below µs since the epoch, under 2^53, exact in Redis's Lua.
 */
final class RateBucket {

    static final long MINUTE_MICROS = 60_000_000L;

    private RateBucket() {
    }

    /** Ticks one unit of a {@code perMinute} bucket spans. */
    static long unit(long perMinute) {
        return Math.max(1, MINUTE_MICROS / perMinute);
    }

    /** Ticks in a minute of a {@code perMinute} bucket: exactly {@code perMinute} units. */
    static long minute(long perMinute) {
        return perMinute * unit(perMinute);
    }

    /** Ticks {@code units} span (negative: given back); a claim past any bucket is cut where no long overflows. */
    static long span(long units, long perMinute) {
        long cap = Long.MAX_VALUE / 4 / unit(perMinute);
        return Math.max(-cap, Math.min(cap, units)) * unit(perMinute);
    }

    /** Ticks of a {@code perMinute} bucket since the epoch at {@code micros} (epoch µs), rounded down. */
    static long ticks(long micros, long perMinute) {
        long m = minute(perMinute);
        // split so that no product passes a long: whole minutes, then the rest of the minute
        return Math.floorDiv(micros, MINUTE_MICROS) * m + Math.floorMod(micros, MINUTE_MICROS) * m / MINUTE_MICROS;
    }

    /** The epoch µs at which a {@code perMinute} bucket reaches tick {@code ticks}, rounded up. */
    static long micros(long ticks, long perMinute) {
        long m = minute(perMinute);
        long rest = Math.floorMod(ticks, m) * MINUTE_MICROS;
        return Math.floorDiv(ticks, m) * MINUTE_MICROS + rest / m + (rest % m == 0 ? 0 : 1);
    }

    /** The bucket after taking {@code cost} units at tick {@code now} (whether or not that fits). */
    static long after(long tat, long now, long cost, long perMinute) {
        return Math.max(tat, now) + span(cost, perMinute);
    }

    /** Whether taking {@code cost} units at tick {@code now} fits the bucket. */
    static boolean fits(long tat, long now, long cost, long perMinute) {
        return after(tat, now, cost, perMinute) - now <= minute(perMinute);
    }

    /** Microseconds from {@code nowMicros} until taking {@code cost} units fits (0 when it fits now). */
    static long waitFor(long tat, long nowMicros, long cost, long perMinute) {
        long now = ticks(nowMicros, perMinute);
        long over = after(tat, now, cost, perMinute) - now - minute(perMinute);
        return over <= 0 ? 0 : Math.max(1, micros(now + over, perMinute) - nowMicros);
    }

    /** Units that would still fit at {@code nowMicros}. */
    static long remaining(long tat, long nowMicros, long perMinute) {
        long now = ticks(nowMicros, perMinute);
        long free = minute(perMinute) - (Math.max(tat, now) - now);
        return Math.max(0, Math.min(perMinute, free / unit(perMinute)));
    }

    /** Microseconds from {@code nowMicros} until the bucket is full again. */
    static long untilFull(long tat, long nowMicros, long perMinute) {
        return tat <= ticks(nowMicros, perMinute) ? 0 : Math.max(0, micros(tat, perMinute) - nowMicros);
    }

    /**
     * The bucket after a settled call changed its claim by {@code units} at tick {@code now} (negative: given back);
     * a give-back never reaches before now (a bucket cannot be fuller than full).
     */
    static long adjusted(long tat, long now, long units, long perMinute) {
        long base = units > 0 ? Math.max(tat, now) : tat;
        return Math.max(now, base + span(units, perMinute));
    }
}

package tollgate.metering.budget;

/**
 * The arithmetic of one rate-limit bucket (SPEC 11 {@code rate_limits}), a generic cell rate algorithm: the
 * bucket is one number, its theoretical arrival time ({@code tat}, epoch microseconds), the moment it would be
 * full again. Each unit (a request, a token) moves it {@link #interval} later; a call fits while the bucket would
 * stay within one {@link #window} of now. A limit of N per minute thus lets N units through at once from a full
 * bucket and then refills one unit every 60/N seconds, as OpenAI's limits do ({@code x-ratelimit-reset-*}: the
 * time until full). The same arithmetic runs in Redis ({@link RedisScripts#RATE_TAKE}).
 *
 * <p>Integer microseconds throughout: the interval is {@code 60 000 000 / N} rounded down, and the window is
 * exactly N intervals, so a full bucket holds exactly N units (the minute is at most N µs short).
 */
final class RateBucket {

    static final long MINUTE_MICROS = 60_000_000L;

    private RateBucket() {
    }

    /** Microseconds one unit occupies in a bucket of {@code perMinute}. */
    static long interval(long perMinute) {
        return Math.max(1, MINUTE_MICROS / perMinute);
    }

    /** The span a full bucket covers: exactly {@code perMinute} intervals. */
    static long window(long perMinute) {
        return interval(perMinute) * perMinute;
    }

    /** The bucket after taking {@code cost} units now (whether or not that fits). */
    static long after(long tat, long now, long cost, long perMinute) {
        return Math.max(tat, now) + cost * interval(perMinute);
    }

    /** Whether taking {@code cost} units now fits the bucket. */
    static boolean fits(long tat, long now, long cost, long perMinute) {
        return after(tat, now, cost, perMinute) - now <= window(perMinute);
    }

    /** Microseconds until taking {@code cost} units fits (0 when it fits now). */
    static long waitFor(long tat, long now, long cost, long perMinute) {
        return Math.max(0, after(tat, now, cost, perMinute) - now - window(perMinute));
    }

    /** Units that would still fit now. */
    static long remaining(long tat, long now, long perMinute) {
        long free = now + window(perMinute) - Math.max(tat, now);
        return Math.max(0, Math.min(perMinute, free / interval(perMinute)));
    }

    /** Microseconds until the bucket is full again. */
    static long untilFull(long tat, long now) {
        return Math.max(0, tat - now);
    }

    /**
     * The bucket after a settled call changed its claim by {@code units} (negative: given back); a give-back never
     * reaches before now (a bucket cannot be fuller than full).
     */
    static long adjusted(long tat, long now, long units, long perMinute) {
        long base = units > 0 ? Math.max(tat, now) : tat;
        return Math.max(now, base + units * interval(perMinute));
    }
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Conversions of exact USD amounts: for output, for messages, to the whole nano-USD that Redis counts in, and to
 * the whole pico-USD the local store adds up in {@code long}s.
 */
final class Money {

    /** 1 nano-USD; the Redis store counts in these because Redis increments only integers (HINCRBY). */
    static final int NANO_SCALE = 9;

    /**
     * 1 pico-USD: the local store's counters ({@link LocalBudgetStore}). Prices are quoted per million tokens with
     * up to four decimals (10 decimals per token), so every cost of the built-in table is a whole number of these,
     * and a counter holds up to $9,223,372 of them; a cost or sum that does not fit is added exactly as a decimal.
     */
    static final int UNIT_SCALE = 12;
    /** {@link #toUnits} of an amount that is not a whole number of pico-USD within a {@code long}. */
    static final long NO_UNITS = Long.MIN_VALUE;

    private Money() {
    }

    /** The shortest exact plain form: 5, 0.0002775 (never 5E+1). */
    static BigDecimal plain(BigDecimal usd) {
        BigDecimal s = usd.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }

    /** For messages: at least two decimals, as people write dollars ($5.00, $0.0002775). */
    static String format(BigDecimal usd) {
        BigDecimal s = plain(usd);
        return "$" + (s.scale() < 2 ? s.setScale(2) : s).toPlainString();
    }

    /** Rounded up: a cost or reservation is never counted as less than it is. */
    static long toNanoCeiling(BigDecimal usd) {
        return usd.movePointRight(NANO_SCALE).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** Rounded down: a limit is never taken as more than it is. */
    static long toNanoFloor(BigDecimal usd) {
        return usd.movePointRight(NANO_SCALE).setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    static BigDecimal fromNano(long nano) {
        return plain(BigDecimal.valueOf(nano, NANO_SCALE));
    }

    /** {@code usd} (>= 0) in whole pico-USD, exactly; {@link #NO_UNITS} when it has finer digits or is too large. */
    static long toUnits(BigDecimal usd) {
        if (usd.signum() == 0) {
            return 0;
        }
        BigDecimal v = usd;
        if (v.scale() > UNIT_SCALE) {
            v = v.stripTrailingZeros();
            if (v.scale() > UNIT_SCALE) {
                return NO_UNITS;
            }
        }
        if (v.precision() - v.scale() > 18 - UNIT_SCALE) {
            return NO_UNITS; // $1 million or more: near a long's end in pico-USD (no call costs that much)
        }
        // at scale 12 first, so the move lands on scale 0 and the value is read as it is (no BigInteger)
        return v.setScale(UNIT_SCALE).movePointRight(UNIT_SCALE).longValueExact();
    }

    /**
     * Pico-USD as an exact amount, without trailing zeros down to scale 0 (zero is shared, not allocated): a sum at
     * scale 12 would make a limit of $10 million or more leave a {@code long} when subtracted from (BigInteger
     * arithmetic per call, async-profiler), where a cost's own digits (7 for most) keep it compact.
     */
    static BigDecimal fromUnits(long units) {
        if (units == 0) {
            return BigDecimal.ZERO;
        }
        long u = units;
        int scale = UNIT_SCALE;
        // k trailing decimal zeros make at least k trailing binary zeros: most sums have none to strip
        int most = Math.min(Long.numberOfTrailingZeros(u), UNIT_SCALE);
        while (scale > UNIT_SCALE - most && u % 10 == 0) {
            u /= 10;
            scale--;
        }
        return BigDecimal.valueOf(u, scale);
    }

    /**
     * The most whole pico-USD a sum may reach without passing {@code limit}: a sum of units passes the limit exactly
     * when it is greater than this. {@link Long#MAX_VALUE} when the limit is beyond every {@code long} sum.
     */
    static long unitsWithin(BigDecimal limit) {
        return saturated(limit.movePointRight(UNIT_SCALE).setScale(0, RoundingMode.FLOOR));
    }

    /**
     * The most whole pico-USD spent that is still below {@code limit}: spent has reached the limit exactly when it
     * is greater than this (-1 for a zero limit). {@link Long#MAX_VALUE} when no {@code long} sum reaches it.
     */
    static long unitsBelow(BigDecimal limit) {
        return saturated(limit.movePointRight(UNIT_SCALE).setScale(0, RoundingMode.CEILING).subtract(BigDecimal.ONE));
    }

    private static long saturated(BigDecimal whole) {
        return whole.compareTo(LONG_MAX) >= 0 ? Long.MAX_VALUE : whole.longValueExact();
    }

    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);
}

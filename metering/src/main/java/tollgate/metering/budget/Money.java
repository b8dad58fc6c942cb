package tollgate.metering.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Conversions of exact USD amounts: for output, for messages, and to the whole nano-USD that Redis counts in. */
final class Money {

    /** 1 nano-USD; the Redis store counts in these because Redis increments only integers (HINCRBY). */
    static final int NANO_SCALE = 9;

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
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a store holds for one key in one window slot: money spent and reserved, tokens spent and reserved. Immutable,
 * equal by value (as the record it was).
 *
 * <p>The local store counts in whole pico-USD ({@link Money#UNIT_SCALE}) and hands its counters over as such
 * ({@link #ofUnits}): their decimals are made only when read, and a remaining amount or a counter without a hold is
 * computed in {@code long}s, so a reservation does not build a dozen {@link BigDecimal}s no one reads.
 */
public final class WindowCounter {
    /** {@link #spentUnits}/{@link #reservedUnits} of a counter known only as decimals. */
    private static final long DECIMAL = Long.MIN_VALUE;

    private final WindowSlot slot;
    private final long spentUnits;
    private final long reservedUnits;
    private final long spentTokens;
    private final long reservedTokens;
    /* made from the units when first read; a race makes equal values twice, harmlessly */
    private @Nullable BigDecimal spentUsd;
    private @Nullable BigDecimal reservedUsd;

    /** @param reservedUsd the worst cases of calls still in flight (mode {@code reserve}) */
    public WindowCounter(WindowSlot slot, BigDecimal spentUsd, BigDecimal reservedUsd, long spentTokens,
            long reservedTokens) {
        if (spentUsd.signum() < 0 || reservedUsd.signum() < 0) {
            throw new IllegalArgumentException("usd: spent " + spentUsd.toPlainString() + ", reserved "
                    + reservedUsd.toPlainString() + " (expected: >= 0)");
        }
        this.slot = Objects.requireNonNull(slot, "slot");
        this.spentUsd = spentUsd;
        this.reservedUsd = reservedUsd;
        this.spentUnits = DECIMAL;
        this.reservedUnits = DECIMAL;
        this.spentTokens = spentTokens;
        this.reservedTokens = reservedTokens;
        checkTokens();
    }

    private WindowCounter(WindowSlot slot, long spentUnits, long reservedUnits, long spentTokens,
            long reservedTokens) {
        if (spentUnits < 0 || reservedUnits < 0) {
            throw new IllegalArgumentException("pico-USD: spent " + spentUnits + ", reserved " + reservedUnits
                    + " (expected: >= 0)");
        }
        this.slot = slot;
        this.spentUnits = spentUnits;
        this.reservedUnits = reservedUnits;
        this.spentTokens = spentTokens;
        this.reservedTokens = reservedTokens;
        checkTokens();
    }

    /** A counter in whole pico-USD, as the local store counts when every amount fits. */
    static WindowCounter ofUnits(WindowSlot slot, long spentUnits, long reservedUnits, long spentTokens,
            long reservedTokens) {
        return new WindowCounter(slot, spentUnits, reservedUnits, spentTokens, reservedTokens);
    }

    private void checkTokens() {
        if (spentTokens < 0 || reservedTokens < 0) {
            throw new IllegalArgumentException("tokens: spent " + spentTokens + ", reserved " + reservedTokens
                    + " (expected: >= 0)");
        }
    }

    public WindowSlot slot() {
        return slot;
    }

    public BigDecimal spentUsd() {
        BigDecimal v = spentUsd;
        if (v == null) {
            v = Money.fromUnits(spentUnits);
            spentUsd = v;
        }
        return v;
    }

    public BigDecimal reservedUsd() {
        BigDecimal v = reservedUsd;
        if (v == null) {
            v = Money.fromUnits(reservedUnits);
            reservedUsd = v;
        }
        return v;
    }

    public long spentTokens() {
        return spentTokens;
    }

    public long reservedTokens() {
        return reservedTokens;
    }

    /** Spent in pico-USD; {@link Money#NO_UNITS} when known only as a decimal. */
    long spentUnits() {
        return spentUnits == DECIMAL ? Money.NO_UNITS : spentUnits;
    }

    /** Spent plus reserved in pico-USD; {@link Money#NO_UNITS} when known only as decimals or past a long. */
    long usedUnits() {
        long used = spentUnits + reservedUnits;
        return spentUnits == DECIMAL || reservedUnits == DECIMAL || used < 0 ? Money.NO_UNITS : used;
    }

    /**
     * {@link #usedUnits()} of {@link #less(BigDecimal, long, long) less(usd, units, tokens)}, without building it;
     * {@link Money#NO_UNITS} when that has no whole units.
     */
    long usedUnitsLess(long units) {
        if (spentUnits == DECIMAL || reservedUnits == DECIMAL || units == Money.NO_UNITS) {
            return Money.NO_UNITS;
        }
        long used = spentUnits + Math.max(0, reservedUnits - units);
        return used < 0 ? Money.NO_UNITS : used;
    }

    /** These counters without one hold of {@code usd} and {@code tokens} (as they were before it was taken). */
    public WindowCounter less(BigDecimal usd, long tokens) {
        return less(usd, Money.toUnits(usd), tokens);
    }

    /** {@link #less(BigDecimal, long)} of a hold already in pico-USD ({@link Money#NO_UNITS} when it is not). */
    WindowCounter less(BigDecimal usd, long units, long tokens) {
        long tokensLeft = Math.max(0, reservedTokens - tokens);
        if (reservedUnits != DECIMAL && units != Money.NO_UNITS) {
            return new WindowCounter(slot, spentUnits, Math.max(0, reservedUnits - units), spentTokens, tokensLeft);
        }
        return new WindowCounter(slot, spentUsd(), reservedUsd().subtract(usd).max(BigDecimal.ZERO), spentTokens,
                tokensLeft);
    }

    public static WindowCounter empty(WindowSlot slot) {
        return new WindowCounter(slot, 0L, 0L, 0, 0);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof WindowCounter c && slot.equals(c.slot) && spentUsd().equals(c.spentUsd())
                && reservedUsd().equals(c.reservedUsd()) && spentTokens == c.spentTokens
                && reservedTokens == c.reservedTokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(slot, spentUsd(), reservedUsd(), spentTokens, reservedTokens);
    }

    @Override
    public String toString() {
        return "WindowCounter[slot=" + slot + ", spentUsd=" + spentUsd() + ", reservedUsd=" + reservedUsd()
                + ", spentTokens=" + spentTokens + ", reservedTokens=" + reservedTokens + "]";
    }
}

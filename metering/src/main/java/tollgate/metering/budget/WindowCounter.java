package tollgate.metering.budget;

import java.math.BigDecimal;

/**
 * What a store holds for one key in one window slot: money spent and reserved, tokens spent and reserved.
 *
 * @param reservedUsd the worst cases of calls still in flight (mode {@code reserve})
 */
public record WindowCounter(WindowSlot slot, BigDecimal spentUsd, BigDecimal reservedUsd, long spentTokens,
        long reservedTokens) {

    public WindowCounter {
        if (spentUsd.signum() < 0 || reservedUsd.signum() < 0) {
            throw new IllegalArgumentException("usd: spent " + spentUsd.toPlainString() + ", reserved "
                    + reservedUsd.toPlainString() + " (expected: >= 0)");
        }
        if (spentTokens < 0 || reservedTokens < 0) {
            throw new IllegalArgumentException("tokens: spent " + spentTokens + ", reserved " + reservedTokens
                    + " (expected: >= 0)");
        }
    }

    /** These counters without one hold of {@code usd} and {@code tokens} (as they were before it was taken). */
    public WindowCounter less(BigDecimal usd, long tokens) {
        return new WindowCounter(slot, spentUsd, reservedUsd.subtract(usd).max(BigDecimal.ZERO), spentTokens,
                Math.max(0, reservedTokens - tokens));
    }

    public static WindowCounter empty(WindowSlot slot) {
        return new WindowCounter(slot, BigDecimal.ZERO, BigDecimal.ZERO, 0, 0);
    }
}

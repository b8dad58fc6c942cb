package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;

/**
 * Finds the alert fractions a charge carried a window across. A fraction is crossed when the window's use was
 * below it before the charge and at or above it after; use only grows and every store applies charges one at a
 * time, so each fraction is crossed once per window instance, on every replica together, with no extra state.
 * Use is the larger of the USD and token shares where both are limited.
 */
final class AlertDetector {

    private AlertDetector() {
    }

    /**
     * @param fractions ascending, as {@link KeyBudget#alerts()} keeps them
     * @param after the window's counter after the charge of {@code usd} and {@code tokens}
     */
    static List<BudgetAlert> crossed(BudgetScope scope, BudgetLimit limit, List<BigDecimal> fractions,
            WindowCounter after, BigDecimal usd, long tokens, Instant now) {
        if (fractions.isEmpty() || (usd.signum() == 0 && tokens == 0)) {
            return List.of();
        }
        if (limit.tokens() == null && limit.usd() != null) {
            // most charges: still below the first (lowest) line, compared in pico-USD with no decimal built
            long spent = after.spentUnits();
            if (spent != Money.NO_UNITS && spent <= firstLineBelow(limit, fractions.get(0))) {
                return List.of();
            }
        }
        BigDecimal spentAfter = after.spentUsd();
        @Nullable BigDecimal spentBefore = null;
        long tokensAfter = after.spentTokens();
        long tokensBefore = tokensAfter - tokens;
        List<BudgetAlert> out = List.of();
        @Nullable BigDecimal usdLimit = limit.usd();
        @Nullable Long tokenLimit = limit.tokens();
        for (BigDecimal f : fractions) {
            // each fraction's line once, for the use before and after
            @Nullable BigDecimal usdLine = usdLimit == null ? null : usdLimit.multiply(f);
            @Nullable BigDecimal tokenLine = tokenLimit == null ? null : f.multiply(BigDecimal.valueOf(tokenLimit));
            if (below(spentAfter, tokensAfter, usdLine, tokenLine)) {
                // fractions ascend, so their lines do: below this one after the charge, below every later one too
                break;
            }
            if (spentBefore == null) {
                spentBefore = spentAfter.subtract(usd);
            }
            if (below(spentBefore, tokensBefore, usdLine, tokenLine)) {
                if (out.isEmpty()) {
                    out = new ArrayList<>(2);
                }
                out.add(new BudgetAlert(scope, limit.window(), f, limit.usd(), Money.plain(spentAfter),
                        limit.tokens(), tokensAfter, after.slot().end(), now));
            }
        }
        return out;
    }

    /**
     * The most pico-USD spent that is still below {@code limit}'s USD line at {@code fraction}
     * ({@link Money#unitsBelow}), remembered for the last limits and fractions seen: a fixed table, a pair in the
     * slot of their identities, replaced by the next pair there (config builds a limit once, so a call's is one seen
     * before).
     */
    static long firstLineBelow(BudgetLimit limit, BigDecimal fraction) {
        int i = (System.identityHashCode(limit) * 31 + System.identityHashCode(fraction)) & (LINES.length - 1);
        Line line = LINES[i];
        if (line == null || line.limit != limit || line.fraction != fraction) {
            line = new Line(limit, fraction, Money.unitsBelow(Objects.requireNonNull(limit.usd()).multiply(fraction)));
            LINES[i] = line; // racy: a reader sees a whole line or the one before
        }
        return line.unitsBelow;
    }

    private record Line(BudgetLimit limit, BigDecimal fraction, long unitsBelow) {
    }

    private static final Line[] LINES = new Line[256];

    /** True while every limited measure is below its line (the fraction of its limit; null: not limited). */
    private static boolean below(BigDecimal spentUsd, long spentTokens, @Nullable BigDecimal usdLine,
            @Nullable BigDecimal tokenLine) {
        if (usdLine != null && spentUsd.compareTo(usdLine) >= 0) {
            return false;
        }
        return tokenLine == null || BigDecimal.valueOf(spentTokens).compareTo(tokenLine) < 0;
    }
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetWindow;

/**
 * A scope's spend in one window crossed an alert fraction of its limit (SPEC 7, 11): a key's, a user's, a tag
 * value's, a model's or the global one.
 *
 * @param fraction the fraction crossed, e.g. 0.8
 * @param limitUsd null when the window limits tokens only
 * @param limitTokens null when the window has no token limit
 * @param resetsAt null for {@code total}
 * @param ts when the crossing call was settled
 */
public record BudgetAlert(
        BudgetScope scope,
        BudgetWindow window,
        BigDecimal fraction,
        @Nullable BigDecimal limitUsd,
        BigDecimal spentUsd,
        @Nullable Long limitTokens,
        long spentTokens,
        @Nullable Instant resetsAt,
        Instant ts) {

    /** A key's alert. */
    public BudgetAlert(String keyId, BudgetWindow window, BigDecimal fraction, @Nullable BigDecimal limitUsd,
            BigDecimal spentUsd, @Nullable Long limitTokens, long spentTokens, @Nullable Instant resetsAt, Instant ts) {
        this(BudgetScope.key(keyId), window, fraction, limitUsd, spentUsd, limitTokens, spentTokens, resetsAt, ts);
    }

    /** The key id for a key's alert; the scope's name (user id, {@code tag=value}, model) for the others. */
    public String keyId() {
        return scope.name();
    }

    /** One line for the WARN log. */
    public String describe() {
        StringBuilder sb = new StringBuilder("budget alert: ").append(scope.describe()).append(" crossed ")
                .append(fraction.multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString())
                .append("% of its ").append(window.id()).append(" budget");
        if (limitUsd != null) {
            sb.append(" (spent ").append(Money.format(spentUsd)).append(" of ").append(Money.format(limitUsd))
                    .append(')');
        }
        if (limitTokens != null) {
            sb.append(" (").append(spentTokens).append(" of ").append(limitTokens).append(" tokens)");
        }
        sb.append(resetsAt == null ? "; it never resets" : "; resets at " + resetsAt);
        return sb.toString();
    }
}

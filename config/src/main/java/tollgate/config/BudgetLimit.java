package tollgate.config;

import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/** One budget: a window and a limit in USD, in tokens, or both. */
public record BudgetLimit(BudgetWindow window, @Nullable BigDecimal usd, @Nullable Long tokens) {
    public BudgetLimit {
        if (usd == null && tokens == null) {
            throw new IllegalArgumentException("budget " + window.id() + ": no limit (expected: usd and/or tokens)");
        }
        if (usd != null && usd.signum() < 0) {
            throw new IllegalArgumentException("usd: " + usd.toPlainString() + " (expected: >= 0)");
        }
        if (tokens != null && tokens < 0) {
            throw new IllegalArgumentException("tokens: " + tokens + " (expected: >= 0)");
        }
    }
}

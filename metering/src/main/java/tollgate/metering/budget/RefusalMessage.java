package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Words for a refusal, shown to the caller in the OpenAI error shape: which scope (SPEC 11), which window, its limit, how much
 * is used and when it resets, and what to change when waiting would not help.
 */
final class RefusalMessage {

    private RefusalMessage() {
    }

    static String of(BudgetDecision d, String keyId, BigDecimal worstUsd, long worstTokens, boolean hold,
            @Nullable String unavailableStore) {
        if (unavailableStore != null) {
            return "Budget check failed for key '" + keyId + "': the budget store (" + unavailableStore
                    + ") did not answer and budgets.on_store_failure is deny, so requests are refused until it"
                    + " answers again.";
        }
        WindowState w = d.tightest();
        BudgetScope scope = d.scope();
        if (d.allowed() || w == null || scope == null) {
            return "Budget allows the request for key '" + keyId + "'.";
        }
        StringBuilder sb = new StringBuilder("Budget exceeded for ").append(scope.describe()).append(": ");
        String window = "the " + w.window().id() + " budget";
        boolean onUsd = w.usdBlocks(worstUsd, hold);
        BigDecimal limitUsd = w.limitUsd();
        Long limitTokens = w.limit().tokens();
        if (d.neverFits()) {
            sb.append("this request may cost up to ").append(onUsd ? Money.format(worstUsd) : worstTokens + " tokens")
                    .append(", more than ").append(window).append(" of ")
                    .append(onUsd && limitUsd != null ? Money.format(limitUsd) : limitTokens + " tokens")
                    .append(" allows in total, so it can never fit. Set max_tokens (max_completion_tokens or"
                            + " max_output_tokens) to lower the request's worst case.");
        } else if (onUsd && limitUsd != null) {
            sb.append(window).append(" of ").append(Money.format(limitUsd));
            if (w.spentUsd().compareTo(limitUsd) >= 0 || !hold) {
                sb.append(" is used up (spent ").append(Money.format(w.spentUsd())).append(").");
            } else {
                BigDecimal left = w.remainingUsd();
                sb.append(" has ").append(Money.format(left == null ? BigDecimal.ZERO : left)).append(" left (spent ")
                        .append(Money.format(w.spentUsd())).append(", reserved by calls in flight ")
                        .append(Money.format(w.reservedUsd())).append(") and this request may cost up to ")
                        .append(Money.format(worstUsd)).append('.');
            }
        } else {
            long spent = w.counter().spentTokens();
            sb.append(window).append(" of ").append(limitTokens).append(" tokens");
            if ((limitTokens != null && spent >= limitTokens) || !hold) {
                sb.append(" is used up (spent ").append(spent).append(" tokens).");
            } else {
                sb.append(" has ").append(w.remainingTokens()).append(" tokens left (spent ").append(spent)
                        .append(", reserved by calls in flight ").append(w.counter().reservedTokens())
                        .append(") and this request may use up to ").append(worstTokens).append(" tokens.");
            }
        }
        Instant reset = w.resetsAt();
        sb.append(reset == null ? " The total budget never resets." : " It resets at " + reset + ".");
        return sb.toString();
    }
}

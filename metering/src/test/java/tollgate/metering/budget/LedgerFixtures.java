package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.StoreFailurePolicy;

/** Small builders shared by the ledger tests. */
final class LedgerFixtures {

    private LedgerFixtures() {
    }

    static BigDecimal usd(String value) {
        return new BigDecimal(value);
    }

    static BudgetLimit usdLimit(BudgetWindow window, String usd) {
        return new BudgetLimit(window, new BigDecimal(usd), null);
    }

    static BudgetLimit tokenLimit(BudgetWindow window, long tokens) {
        return new BudgetLimit(window, null, tokens);
    }

    static LedgerSettings settings(BudgetMode mode, Clock clock) {
        return settings(mode, ZoneOffset.UTC, StoreFailurePolicy.ALLOW, clock);
    }

    static LedgerSettings settings(BudgetMode mode, ZoneId zone, StoreFailurePolicy policy, Clock clock) {
        return new LedgerSettings(mode, zone, policy, clock, Duration.ofMinutes(30), 1000);
    }

    /** Waits in the test thread only; production code never joins. */
    static <T> T await(CompletableFuture<T> future) {
        return future.orTimeout(30, TimeUnit.SECONDS).join();
    }
}

package tollgate.metering.budget;

import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.StoreFailurePolicy;

/**
 * Reports budget store failures: every one to {@link BudgetEvents#onStoreFailure} (counted), and a WARN line at
 * most every ten seconds, because a Redis outage fails every call and one line per call would flood the log.
 */
final class StoreFailureReporter {

    private static final Logger log = LoggerFactory.getLogger(BudgetLedger.class);
    private static final long LOG_INTERVAL_MILLIS = 10_000;

    private final AtomicLong lastLogMillis = new AtomicLong();

    void report(BudgetEvents events, String storeName, StoreFailurePolicy policy, String operation,
            Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        notify(() -> events.onStoreFailure(cause));
        long now = System.currentTimeMillis();
        long last = lastLogMillis.get();
        if (now - last >= LOG_INTERVAL_MILLIS && lastLogMillis.compareAndSet(last, now)) {
            log.warn("budget store {} failed on {} ({}); on_store_failure={} (further failures within {} s are"
                    + " counted, not logged)", storeName, operation, cause,
                    policy.name().toLowerCase(Locale.ROOT), LOG_INTERVAL_MILLIS / 1000);
        }
    }

    /** Runs an event callback; one that throws is logged and must not break the call it reports on. */
    static void notify(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            log.warn("budget event callback failed", e);
        }
    }
}

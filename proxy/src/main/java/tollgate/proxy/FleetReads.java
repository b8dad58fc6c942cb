package tollgate.proxy;

import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads of the fleet's usage from {@code log.store} (issue 20) that fall back to this replica's own while the
 * database does not answer, saying so once per outage (and once when it answers again). Blocking: admin threads.
 */
final class FleetReads {
    private static final Logger log = LoggerFactory.getLogger(FleetReads.class);
    private final AtomicBoolean failing = new AtomicBoolean();

    <T> T read(Supplier<T> fleet, Supplier<T> own) {
        try {
            T answer = fleet.get();
            if (failing.compareAndSet(true, false)) {
                log.info("log.store answers again: usage reports are the fleet's");
            }
            return answer;
        } catch (UncheckedIOException e) {
            if (failing.compareAndSet(false, true)) {
                log.warn("{}; usage reports answer from this replica's own calls until it answers", e.getMessage());
            }
            return own.get();
        }
    }
}

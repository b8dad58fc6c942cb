package tollgate.metering.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tollgate.metering.report.StatsReport.Warning;

/**
 * {@code /admin/usage?warnings=true}: {@link SpendWarnings} of a query's range and filter, each kept for
 * {@link #TTL}. The dashboard asks again on every burst of new calls, and a scan reads the range and the week
 * before it from the log; a minute-old warning is still the same warning. Bounded to {@link #MAX_QUERIES} queries.
 * {@link #warnings} blocks on file IO: call it off the event loop.
 */
public final class WarningsCache {
    public static final Duration TTL = Duration.ofSeconds(60);
    static final int MAX_QUERIES = 16;

    private record Scope(LocalDate from, LocalDate to, StatsFilter filter) {
    }

    private record Found(Instant at, List<Warning> warnings) {
    }

    private final Path logDir;
    private final Clock clock;
    private final Map<Scope, Found> found = new LinkedHashMap<>(MAX_QUERIES * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Scope, Found> eldest) {
            return size() > MAX_QUERIES;
        }
    };

    public WarningsCache(Path logDir, Clock clock) {
        this.logDir = logDir;
        this.clock = clock;
    }

    /** @param calls the calls the query's report counted (the top 0.1 % is of these) */
    public List<Warning> warnings(StatsQuery q, long calls) {
        Scope scope = new Scope(q.from(), q.to(), q.filter());
        Instant now = clock.instant();
        synchronized (found) {
            Found f = found.get(scope);
            if (f != null && f.at().plus(TTL).isAfter(now)) {
                return f.warnings();
            }
        }
        List<Warning> scanned;
        try {
            scanned = SpendWarnings.scan(logDir, q, calls);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (found) {
            found.put(scope, new Found(now, scanned));
        }
        return scanned;
    }
}

package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.line;
import static tollgate.metering.report.StatsFixtures.writeDay;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarningsCacheTest {
    private static final StatsQuery DAY = new StatsQuery(LocalDate.of(2026, 11, 22), LocalDate.of(2026, 11, 22),
            ReportPeriod.DAY, List.of(), StatsFilter.NONE, false);

    @Test
    void aRangeIsScannedOnceAMinuteAndAgainAfter(@TempDir Path dir) throws Exception {
        // gpt-4o: 1 of 2 calls failed
        writeDay(dir, "2026-11-22", line("2026-11-22T10:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null),
                line("2026-11-22T11:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, "upstream_cut"));
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T12:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        WarningsCache cache = new WarningsCache(dir, clock);
        assertThat(cache.warnings(DAY, 2)).extracting(StatsReport.Warning::rule).containsExactly("error_rate");

        // a third call, a success: within the minute the answer is the one scanned, after it the log's
        writeDay(dir, "2026-11-22", line("2026-11-22T12:00:00Z", "app", "gpt-4o", 1, 1, "1", 100, null));
        now.set(now.get().plus(WarningsCache.TTL).minusSeconds(1));
        assertThat(cache.warnings(DAY, 3)).singleElement().satisfies(w -> assertThat(w.detail()).contains("1 of 2 calls"));
        now.set(now.get().plusSeconds(1));
        assertThat(cache.warnings(DAY, 3)).singleElement().satisfies(w -> assertThat(w.detail()).contains("1 of 3 calls"));
        // another filter is another scan
        assertThat(cache.warnings(new StatsQuery(DAY.from(), DAY.to(), ReportPeriod.DAY, List.of(),
                StatsFilter.NONE.withKey("someone-else"), false), 0)).isEmpty();
    }
}

package tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tollgate.config.StoreConfig;
import tollgate.metering.log.UsageRecord;

/** The fleet's newest calls, looked for in a widening horizon (real PostgreSQL). */
class PostgresRecentCallsTest {
    private static PostgresTestServer pg;
    private static final Instant NOW = Instant.parse("2026-12-03T12:00:30Z");

    @BeforeAll
    static void startServer() {
        pg = PostgresTestServer.shared();
    }

    private static UsageRecord call(String id, String key, Instant ts) {
        return new UsageRecord(ts, id, key, "/v1/chat/completions", "gpt-4o-mini", "gpt-4o-mini", false, 200, 100, 0,
                20, 0, 120, false, new BigDecimal("0.001"), 40, 10, null, Map.of(), null);
    }

    @Test
    void theNewestCallsAreTheSameWhateverHorizonHoldsThem() throws Exception {
        StoreConfig store = pg.newStore("recent");
        List<UsageRecord> calls = List.of(
                call("now-1", "a", NOW.minusSeconds(5)), call("now-2", "b", NOW.minusSeconds(10)),
                call("now-3", "a", NOW.minusSeconds(20)),
                call("half-hour-1", "a", NOW.minus(Duration.ofMinutes(30))),
                call("half-hour-2", "b", NOW.minus(Duration.ofMinutes(31))),
                call("days-1", "a", NOW.minus(Duration.ofDays(3))), call("days-2", "b", NOW.minus(Duration.ofDays(3)).minusSeconds(1)),
                call("months-1", "a", NOW.minus(Duration.ofDays(90))));
        try (PostgresStore db = PostgresStore.open(store)) {
            List<PostgresStore.Row> rows = new ArrayList<>();
            // in log order within each day, as a replica ships them
            List<UsageRecord> byTs = new ArrayList<>(calls);
            byTs.sort((x, y) -> x.ts().compareTo(y.ts()));
            long offset = 0;
            for (UsageRecord r : byTs) {
                rows.add(new PostgresStore.Row(LocalDate.ofInstant(r.ts(), ZoneOffset.UTC), offset, r, Map.of()));
                offset += 1000;
            }
            for (PostgresStore.Row row : rows) {
                db.ship(List.of(row), "r1", new PostgresStore.Place(row.day(), row.spoolOffset() + 1));
            }
        }
        PostgresRecentCalls recent = new PostgresRecentCalls(store, Clock.fixed(NOW, ZoneOffset.UTC));
        // within the last minute
        assertThat(recent.newest(2, null, null)).extracting(UsageRecord::requestId).containsExactly("now-1", "now-2");
        // the minute holds three: the hour is looked at
        assertThat(recent.newest(5, null, null)).extracting(UsageRecord::requestId)
                .containsExactly("now-1", "now-2", "now-3", "half-hour-1", "half-hour-2");
        // past the month: the whole table
        assertThat(recent.newest(100, null, null)).extracting(UsageRecord::requestId).containsExactly("now-1", "now-2",
                "now-3", "half-hour-1", "half-hour-2", "days-1", "days-2", "months-1");
        // a key's newest, widening as far as its calls go
        assertThat(recent.newest(4, "a", null)).extracting(UsageRecord::requestId)
                .containsExactly("now-1", "now-3", "half-hour-1", "days-1");
    }
}

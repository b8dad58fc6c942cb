package tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tollgate.config.StoreConfig;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.usage.UnitCounts;

/**
 * A batch in a real PostgreSQL: appended with {@code COPY} after the replica's checkpoint, checked row by row behind
 * it or when a row after it is stored already, and every value the same either way.
 */
class PostgresStoreTest {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();
    private static PostgresTestServer pg;

    @BeforeAll
    static void startServer() {
        pg = PostgresTestServer.shared();
    }

    /**
     * Text the copy's format escapes or encodes: tabs, line breaks, backslashes, its null marker, non-ASCII; and
     * U+0000, which PostgreSQL's text refuses (stored as U+FFFD: a client's {@code "user"} holding one must not stop
     * shipping).
     */
    private static final List<String> NASTY = List.of("tab\there", "line\nbreak", "cr\rlf\r\n", "back\\slash",
            "\\N", "\\.", "\\", "ends with \\", "quote\"s 'and' {braces} [1,2]",
            "é à ü — 中文 😀 \uD83D\uDE00x",
            "lone \uD800 surrogate", "\u007f\u0001\u001f controls", "nul \u0000 inside", "\u0000", " ", "");

    @Test
    void everyValueCrossesTheCopyAsItCrossesTheCheckedInsert() throws Exception {
        StoreConfig store = pg.newStore("copytext");
        LocalDate day = LocalDate.now(ZoneOffset.UTC);
        Instant midnight = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < NASTY.size(); i++) {
            String s = NASTY.get(i);
            UsageRecord r = StoreShipperTest.record(midnight.plusMillis(i == 0 ? 0 : 86_400_000L - 1000 + 7L * i),
                    "id-" + i + "-" + s, i, "r");
            UnitCounts u = new UnitCounts(i, 9_000_000_000_000L, 0, 1, 2, 3,
                    new BigDecimal("12345678901234567890.123456789"), 4, 5);
            records.add(new UsageRecord(r.ts(), r.requestId(), "key\t" + s, "/v1/" + s, s.isEmpty() ? null : s,
                    "priced " + s, r.stream(), r.status(), 9_000_000_000_000L, 0, i, 0, 9_000_000_000_000L + i,
                    r.estimated(),
                    new BigDecimal("0.000000000000000001").add(BigDecimal.valueOf(i)), r.durationMs(), r.ttfbMs(), s,
                    Map.of(s.isEmpty() ? "empty" : s, s, "team", "a\tb\\c\nd"), "error: " + s,
                    new UsageUnits(u, "tier " + s, s, i % 2 == 0), Map.of()));
        }
        List<PostgresStore.Row> rows = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            rows.add(new PostgresStore.Row(day, 100L * i, records.get(i), i % 3 == 0 ? Map.of()
                    : Map.of("nasty", JSON.writeValueAsString(NASTY.get(i)), "n", "[1,2.5,null]")));
        }
        PostgresStore.Place end = new PostgresStore.Place(day, 100L * records.size());
        try (PostgresStore db = PostgresStore.open(store)) {
            // a replica without a checkpoint: checked row by row
            assertThat(db.ship(rows, "checked", end)).hasSize(rows.size());
            assertThat(db.appended()).isZero();
            // one after its checkpoint: copied
            db.ship(List.of(new PostgresStore.Row(day.minusDays(1), 0, records.get(0), Map.of())), "copied",
                    new PostgresStore.Place(day.minusDays(1), 100));
            assertThat(db.ship(rows, "copied", end)).hasSize(rows.size());
            assertThat(db.appended()).isOne();
            assertThat(db.conflicts()).isZero();
        }
        Map<String, UsageRecord> checked = StoreShipperTest.storedRecords(store, "replica = 'checked'");
        Map<String, UsageRecord> copied = StoreShipperTest.storedRecords(store, "replica = 'copied' AND day = '"
                + day + "'");
        assertThat(copied).hasSize(records.size());
        for (UsageRecord r : records) {
            UsageRecord expected = asStored(r);
            assertThat(checked.get(expected.requestId())).as(r.requestId()).usingRecursiveComparison()
                    .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).isEqualTo(expected);
            assertThat(copied.get(expected.requestId())).as(r.requestId()).usingRecursiveComparison()
                    .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).isEqualTo(expected);
        }
        // the rest of the columns, byte for byte the same over both ways in
        String columns = "day, ts, spool_offset, cost_usd::text, audio_seconds::text, tags::text, extra::text";
        assertThat(rows(store, "SELECT " + columns + " FROM usage_records WHERE replica = 'copied' AND day = '" + day
                + "' ORDER BY spool_offset")).isEqualTo(rows(store, "SELECT " + columns
                + " FROM usage_records WHERE replica = 'checked' ORDER BY spool_offset"));
    }

    /** An unknown field's raw JSON: the escape of U+0000 becomes U+FFFD's; an escaped backslash before u0000 stays. */
    @Test
    void rawJsonKeepsEverythingButTheEscapeOfNul() {
        String bs = "\\";
        assertThat(Json.storableRaw("\"a" + bs + "u0000b\"")).isEqualTo("\"a" + bs + "uFFFDb\"");
        assertThat(Json.storableRaw("\"a" + bs + bs + "u0000b\"")).isEqualTo("\"a" + bs + bs + "u0000b\"");
        assertThat(Json.storableRaw("[\"" + bs + bs + bs + "u0000\", \"" + bs + "u0000\"]"))
                .isEqualTo("[\"" + bs + bs + bs + "uFFFD\", \"" + bs + "uFFFD\"]");
        assertThat(Json.storableRaw("{\"n\":1}")).isEqualTo("{\"n\":1}");
    }

    /** The record as stored: a lone surrogate as '?' (as the JSON log writes it), U+0000 as U+FFFD. */
    private static UsageRecord asStored(UsageRecord r) {
        java.util.function.UnaryOperator<String> f = v -> v == null ? null
                : v.replace("\uD800", "?").replace('\0', '\uFFFD');
        Map<String, String> tags = new HashMap<>();
        r.tags().forEach((k, v) -> tags.put(f.apply(k), f.apply(v)));
        UsageUnits u = r.units();
        return new UsageRecord(r.ts(), f.apply(r.requestId()), f.apply(r.key()), f.apply(r.endpoint()),
                f.apply(r.model()), f.apply(r.pricedAs()), r.stream(), r.status(), r.inputTokens(),
                r.cachedInputTokens(), r.outputTokens(), r.reasoningTokens(), r.totalTokens(), r.estimated(),
                r.costUsd(), r.durationMs(), r.ttfbMs(), f.apply(r.user()), tags, f.apply(r.error()),
                new UsageUnits(u.counts(), f.apply(u.serviceTier()), f.apply(u.provider()), u.batch()), Map.of());
    }

    /**
     * A checkpoint behind rows stored after it (a database restored from a backup older than its rows, an older
     * tollgate that shipped without moving it): the copy meets the unique key, and the batch is shipped again
     * checking each row; nothing counts twice, and the next batch is copied again.
     */
    @Test
    void aRowStoredAfterTheCheckpointTurnsTheBatchIntoACheckedOneAndNothingCountsTwice() throws Exception {
        StoreConfig store = pg.newStore("behind");
        LocalDate day = LocalDate.now(ZoneOffset.UTC);
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(60);
        List<PostgresStore.Row> log = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            log.add(new PostgresStore.Row(day, 100L * i, StoreShipperTest.record(start.plusMillis(1000L * i),
                    "req_same", i, "r"), Map.of()));
        }
        try (PostgresStore db = PostgresStore.open(store)) {
            assertThat(ship(db, log, 0, 10)).isEqualTo(10);
            assertThat(ship(db, log, 10, 20)).isEqualTo(10);
            assertThat(db.appended()).isOne();
            assertThat(db.checkpoint("r")).isEqualTo(new PostgresStore.Place(day, 2000));
            try (Connection c = PostgresStore.connect(store); Statement st = c.createStatement()) {
                st.execute("UPDATE store_checkpoints SET spool_offset = 0");
            }
            // rows 5 to 19 stored, 20 to 24 not
            assertThat(ship(db, log, 5, 25)).isEqualTo(5);
            assertThat(db.conflicts()).isOne();
            assertThat(db.checkpoint("r")).isEqualTo(new PostgresStore.Place(day, 2500));
            assertThat(ship(db, log, 25, 40)).isEqualTo(15);
            assertThat(db.appended()).isEqualTo(2);
            // a batch behind the checkpoint (a second process under the same name): checked, the checkpoint stays
            assertThat(ship(db, log, 0, 10)).isZero();
            assertThat(db.conflicts()).isOne();
            assertThat(db.checkpoint("r")).isEqualTo(new PostgresStore.Place(day, 4000));
        }
        BigDecimal cost = BigDecimal.ZERO;
        for (PostgresStore.Row r : log) {
            cost = r.record().costUsd() == null ? cost : cost.add(r.record().costUsd());
        }
        assertThat(rows(store, "SELECT count(*), count(DISTINCT spool_offset) FROM usage_records"))
                .containsExactly(List.of("40", "40"));
        assertThat(rows(store, "SELECT sum(requests)::text, sum(cost_usd)::text FROM usage_rollups"))
                .containsExactly(List.of("40", cost.toPlainString()));
    }

    /** A copied batch that straddles midnight goes into each day's own partition, a copy per day. */
    @Test
    void aCopiedBatchAcrossMidnightLandsInEachDaysPartition() throws Exception {
        StoreConfig store = pg.newStore("midnight");
        LocalDate day = LocalDate.now(ZoneOffset.UTC);
        LocalDate before = day.minusDays(1);
        Instant midnight = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        List<PostgresStore.Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            LocalDate d = i < 4 ? before : day;
            long offset = i < 4 ? 1000L + 100L * i : 100L * (i - 4);
            rows.add(new PostgresStore.Row(d, offset, StoreShipperTest.record(midnight.plusMillis(1000L * (i - 4)),
                    "req_" + i, i, "r"), Map.of()));
        }
        try (PostgresStore db = PostgresStore.open(store)) {
            assertThat(db.ship(rows.subList(0, 1), "r", new PostgresStore.Place(before, 1100))).hasSize(1);
            assertThat(db.ship(rows.subList(1, 6), "r", new PostgresStore.Place(day, 200))).hasSize(5);
            assertThat(db.appended()).isOne();
            assertThat(db.conflicts()).isZero();
        }
        assertThat(rows(store, "SELECT tableoid::regclass::text, min(spool_offset)::text, count(*)::text"
                + " FROM usage_records GROUP BY 1 ORDER BY 1")).containsExactly(
                List.of(PostgresStore.partitionName(before), "1000", "4"),
                List.of(PostgresStore.partitionName(day), "0", "2"));
        assertThat(rows(store, "SELECT sum(requests)::text FROM usage_rollups")).containsExactly(List.of("6"));
    }

    /** Ships rows {@code from} to {@code to} (exclusive) of {@code log}; how many were inserted. */
    private static int ship(PostgresStore db, List<PostgresStore.Row> log, int from, int to) throws SQLException {
        return db.ship(log.subList(from, to), "r", new PostgresStore.Place(log.get(0).day(), 100L * to)).size();
    }

    private static List<List<String>> rows(StoreConfig store, String sql) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = PostgresStore.connect(store); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }
}

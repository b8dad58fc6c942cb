package tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.FsyncMode;
import tollgate.config.LogConfig;
import tollgate.config.StoreConfig;
import tollgate.metering.log.UsageLogCounters;
import tollgate.metering.log.UsageLogFiles;
import tollgate.metering.log.UsageLogReader;
import tollgate.metering.log.UsageLogWriter;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.report.CellKey;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.CellSource;
import tollgate.metering.report.StatsCommandRunner;
import tollgate.metering.report.StatsContext;
import tollgate.metering.report.StatsOptions;
import tollgate.metering.report.TallyState;
import tollgate.metering.report.UsageCube;
import tollgate.metering.usage.UnitCounts;

/** {@code log.store} against a real PostgreSQL: what arrives, how often, and what the reports read back. */
public class StoreShipperTest {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresTestServer pg;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() {
        pg = PostgresTestServer.shared();
    }

    private static StoreConfig newStore() throws SQLException {
        return pg.newStore("t" + DATABASES.incrementAndGet());
    }

    @Test
    void everyFieldArrivesAndTheRollupsAreTheCubeOfTheLog() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("a"));
        List<String> lines = new ArrayList<>();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int d = 2; d >= 0; d--) {
            lines.addAll(writeDay(dir, today.minusDays(d), 40, "a"));
        }
        // a line without request_id, one from a newer replica with fields this one lacks, and one that is no record
        Instant ts = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String noId = UsageRecordJson.toJson(record(ts, "", 7, "a")).replace("\"request_id\":\"\",", "");
        String newer = UsageRecordJson.toJson(record(ts, "newer-1", 8, "a"));
        newer = newer.substring(0, newer.length() - 1) + ",\"carbon_grams\":1.25,\"route\":{\"hops\":[1,2]}}";
        append(dir, today, List.of(noId, newer, "{\"not\":\"a record\"}"));
        lines.add(noId);
        lines.add(newer);

        try (StoreShipper shipper = StoreShipper.start(store, dir, Clock.systemUTC(), PostgresStore.open(store),
                new SimpleMeterRegistry())) {
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == lines.size(), Duration.ofSeconds(30));
            awaitTrue(() -> shipper.backlog() == 0, Duration.ofSeconds(10));
            assertThat(shipper.replica()).isNotBlank();
        }
        Map<String, UsageRecord> stored = storedRecords(store);
        for (String line : lines) {
            UsageRecord expected = UsageRecordJson.parse(line);
            // the line without request_id too, as the log reads it (""): the record's key is its place in the log
            UsageRecord got = stored.get(expected.requestId());
            assertThat(got).as(line).isNotNull();
            assertThat(got).usingRecursiveComparison().isEqualTo(expected);
        }
        try (Connection c = connect(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT extra::text FROM usage_records WHERE request_id = 'newer-1'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("{\"route\": {\"hops\": [1, 2]}, \"carbon_grams\": 1.25}");
        }
        assertSameCells(new PostgresCellSource(store), cube(dir), today.minusDays(3), today);
        // a key's own report reads that key's cells alone from the database, and all of them
        Map<String, String> keyOfCell = new HashMap<>();
        cube(dir).forEachCell(today.minusDays(3), today, (day, key, tally) -> keyOfCell.put(day + " " + key, key.key()));
        String oneKey = keyOfCell.values().iterator().next();
        Map<String, TallyState> onlyOne = new HashMap<>();
        new PostgresCellSource(store).forEachCell(today.minusDays(3), today, oneKey, (day, key, tally) -> {
            assertThat(key.key()).isEqualTo(oneKey);
            onlyOne.put(day + " " + key, TallyState.of(tally));
        });
        assertThat(onlyOne.keySet()).containsExactlyInAnyOrderElementsOf(keyOfCell.entrySet().stream()
                .filter(e -> e.getValue().equals(oneKey)).map(Map.Entry::getKey).toList());
        assertThat(keyOfCell.values()).as("the log has other keys' cells too").anyMatch(k -> !k.equals(oneKey));
    }

    /**
     * The writer hands its records over as it writes them: they ship without their lines being read back, and what
     * the database holds is what the log says, record for record and cell for cell. A record holding a lone
     * surrogate (the log writes it as '?') and the lines written past the hand-off's bound are read from the log.
     */
    @Test
    void recordsHandedOverByTheWriterShipAsTheLogReadsThem() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("handed"));
        UsageLogWriter writer = UsageLogWriter.start(new LogConfig(dir, FsyncMode.NEVER, 65_536), UsageLogCounters.NONE);
        StoreShipper shipper = StoreShipper.start(store, dir, Clock.systemUTC(), PostgresStore.open(store),
                new SimpleMeterRegistry());
        writer.addListener(shipper::written);
        int n = 0;
        try {
            // ts to the microsecond, as a clock gives them: the log and the store keep milliseconds
            Instant base = Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.MICROS);
            for (int i = 0; i < 1_500; i++) {
                assertThat(writer.append(record(base.plusNanos(1_234_567L * i), "h-" + i, i, "w"))).isTrue();
                n++;
            }
            UsageRecord lone = record(base, "lone-surrogate", 1, "w");
            assertThat(StoreShipper.loggedAsIs(lone)).isTrue();
            lone = new UsageRecord(lone.ts(), lone.requestId(), lone.key(), lone.endpoint(), lone.model(),
                    lone.pricedAs(), lone.stream(), lone.status(), lone.inputTokens(), lone.cachedInputTokens(),
                    lone.outputTokens(), lone.reasoningTokens(), lone.totalTokens(), lone.estimated(), lone.costUsd(),
                    lone.durationMs(), lone.ttfbMs(), "user \uD800 alone", lone.tags(), lone.error(), lone.units());
            assertThat(StoreShipper.loggedAsIs(lone)).isFalse();
            assertThat(writer.append(lone)).isTrue();
            n++;
            writer.flush().get();
            // a burst past the hand-off's bound while the shipper may be busy: the rest is read from the log
            for (int i = 0; i < 2 * StoreShipper.HANDED; i++) {
                assertThat(writer.append(record(base.plusNanos(777_777L * i), "burst-" + i, i, "w"))).isTrue();
                n++;
            }
            writer.flush().get();
            int total = n;
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == total, Duration.ofSeconds(60));
            awaitTrue(() -> shipper.backlog() == 0, Duration.ofSeconds(10));
        } finally {
            writer.close();
            shipper.close();
        }
        assertThat(shipper.handedRows()).isPositive();
        assertThat(shipper.readRows()).isPositive();
        assertThat(shipper.handedRows() + shipper.readRows()).isEqualTo(n);
        Map<String, UsageRecord> stored = storedRecords(store);
        List<UsageRecord> logged = new ArrayList<>();
        new UsageLogReader(dir).read(LocalDate.MIN, LocalDate.MAX, l -> logged.add(l.toRecord()));
        assertThat(logged).hasSize(n);
        for (UsageRecord expected : logged) {
            assertThat(stored.get(expected.requestId())).as(expected.requestId()).usingRecursiveComparison()
                    .isEqualTo(expected);
        }
        assertThat(stored.get("lone-surrogate").user()).isEqualTo("user ? alone");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertSameCells(new PostgresCellSource(store), cube(dir), today.minusDays(1), today);
    }

    @Test
    void twoReplicasShipTheSumOfBothLogsAndStatsOverTheStoreIsStatsOverBothLogs() throws Exception {
        shipTwoReplicasAndCompareWithTheirLogs((day, replica, i) -> day + "-" + replica + "-" + i);
    }

    /**
     * The upstream's x-request-id is the record's request_id, and nothing makes it unique: a gateway, a cache or a
     * mock may send the same one on every answer (the bench mock's constant id once stored 1 row of 300,000 calls).
     */
    @Test
    void callsThatShareARequestIdAreEachStoredAndCountedAsInTheLogs() throws Exception {
        StoreConfig store = shipTwoReplicasAndCompareWithTheirLogs((day, replica, i) -> i % 10 == 9 ? "req_" + i
                : "req_bench");
        assertThat(count(store, "SELECT count(DISTINCT request_id) FROM usage_records")).isLessThan(100);
    }

    /** A line's request_id, from its day, replica and number in the day. */
    private interface Ids {
        String id(LocalDate day, String replica, int i);
    }

    private StoreConfig shipTwoReplicasAndCompareWithTheirLogs(Ids ids) throws Exception {
        StoreConfig store = newStore();
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path both = Files.createDirectories(tmp.resolve("both"));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int n = 0;
        for (int d = 3; d >= 0; d--) {
            n += writeDay(a, today.minusDays(d), 70, "a", ids).size();
            n += writeDay(b, today.minusDays(d), 55, "b", ids).size();
            // the two logs in one folder: b's days as a day's other part, which every log reader takes too
            Files.copy(a.resolve(UsageLogFiles.fileName(today.minusDays(d))),
                    both.resolve(UsageLogFiles.fileName(today.minusDays(d))));
            Files.copy(b.resolve(UsageLogFiles.fileName(today.minusDays(d))),
                    both.resolve("usage-" + today.minusDays(d) + ".b.jsonl"));
        }
        int total = n;
        try (StoreShipper sa = StoreShipper.start(store, a, Clock.systemUTC(), null, new SimpleMeterRegistry());
             StoreShipper sb = StoreShipper.start(store, b, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == total, Duration.ofSeconds(30));
            assertThat(sa.replica()).isNotEqualTo(sb.replica());
            assertThat(count(store, "SELECT count(DISTINCT replica) FROM usage_records")).isEqualTo(2);
        }
        UsageCube sum = cube(a);
        sum.merge(cube(b));
        assertSameCells(new PostgresCellSource(store), sum, today.minusDays(4), today);
        for (List<String> by : List.of(List.<String>of(), List.of("key", "user", "tag:team"),
                List.of("model", "provider", "endpoint"))) {
            StatsOptions o = new StatsOptions(both, 7, null, null, null, by, null, null, null, List.of(), "json", null,
                    true, null);
            StatsCommandRunner runner = new StatsCommandRunner(StatsContext.of(PricingTable.builtIn(), Clock.systemUTC()), 1);
            StatsCommandRunner.Outcome fromLogs = runner.run(o);
            StatsCommandRunner.Outcome fromStore = runner.run(o, new PostgresCellSource(store));
            assertThat(fromStore.exitCode()).isEqualTo(StatsCommandRunner.OK);
            assertThat(fromStore.stdout()).contains("\"requests\" : " + total).isEqualTo(fromLogs.stdout());
        }
        assertThat(count(store, "SELECT sum(requests) FROM usage_rollups")).isEqualTo(total);
        return store;
    }

    @Test
    void aDatabaseOutageDelaysRecordsAndLosesNone() throws Exception {
        outage(Duration.ofSeconds(5));
    }

    /** The issue's own test: the database down for 30 s while calls keep being logged. */
    @Test
    void aThirtySecondOutageUnderLoadLosesNoRecordAndDuplicatesNone() throws Exception {
        outage(Duration.ofSeconds(30));
    }

    private void outage(Duration down) throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("spool"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        UsageLogWriter writer = UsageLogWriter.start(new LogConfig(dir, FsyncMode.NEVER, 4096), UsageLogCounters.NONE);
        // pauses of 0.2 s to 2 s instead of 1 s to 30 s: the test waits for the drain, not for the longest pause
        StoreShipper shipper = StoreShipper.start(store, dir, Clock.systemUTC(), PostgresStore.open(store), registry,
                Duration.ofMillis(200), Duration.ofSeconds(2));
        writer.addListener(shipper::written);
        AtomicInteger written = new AtomicInteger();
        try {
            writeFor(writer, written, "before", 50);
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == written.get(), Duration.ofSeconds(20));

            pg.stop();
            long downUntil = System.nanoTime() + down.toNanos();
            int i = 0;
            while (System.nanoTime() < downUntil) {
                // calls keep coming while the database is away: the log takes them as always
                writeFor(writer, written, "down" + i++, 20);
                writer.flush().get();
                awaitTrue(() -> shipper.backlog() > 0, Duration.ofSeconds(5));
                java.util.concurrent.locks.LockSupport.parkNanos(Math.min(200_000_000L, Math.max(0, downUntil - System.nanoTime())));
            }
            awaitTrue(() -> registry.get("tollgate.store.failures").counter().count() > 0, Duration.ofSeconds(20));
            pg.start();
            writeFor(writer, written, "after", 50);
            writer.flush().get();
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == written.get(), Duration.ofSeconds(90));
            awaitTrue(() -> shipper.backlog() == 0, Duration.ofSeconds(10));
            assertThat(count(store, "SELECT count(DISTINCT request_id) FROM usage_records")).isEqualTo(written.get());
            assertThat(count(store, "SELECT coalesce(sum(requests), 0) FROM usage_rollups")).isEqualTo(written.get());
            assertThat(registry.get("tollgate.store.ship").timer().count()).isGreaterThanOrEqualTo(written.get());
        } finally {
            writer.close();
            shipper.close();
        }
    }

    private static void writeFor(UsageLogWriter writer, AtomicInteger written, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(writer.append(record(Instant.now().truncatedTo(ChronoUnit.MILLIS), prefix + "-" + i, i, "w")))
                    .isTrue();
            written.incrementAndGet();
        }
    }

    /**
     * The database's checkpoint moves in the batch's transaction, the local file after the commit: a crash in between
     * leaves the local one behind, and the next start goes on from the database's (a batch shipped again would be
     * checked row by row and count once as well).
     */
    @Test
    void aCrashBetweenCommitAndCheckpointGoesOnFromTheDatabasesCheckpointAndCountsTheBatchOnce() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("crash"));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        // request ids that repeat: only the lines' places in the log tell the batch's records apart
        int n = writeDay(dir, today, 120, "c", (day, replica, i) -> "req_" + i % 7).size();
        CountDownLatch crashed = new CountDownLatch(1);
        StoreShipper first = StoreShipper.start(store, dir, Clock.systemUTC(), PostgresStore.open(store),
                new SimpleMeterRegistry());
        first.afterCommit(() -> {
            crashed.countDown();
            // the process dies here: the batch is committed, its checkpoint never written
            throw new AssertionError("simulated crash after the commit");
        });
        assertThat(crashed.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        first.close(Duration.ofMillis(100));
        assertThat(count(store, "SELECT count(*) FROM usage_records")).isEqualTo(n);
        assertThat(Files.exists(dir.resolve(ShipCheckpoint.FILE_NAME))).isFalse();
        long end = Files.size(dir.resolve(UsageLogFiles.fileName(today)));
        assertThat(count(store, "SELECT spool_offset FROM store_checkpoints WHERE day = '" + today + "'"))
                .isEqualTo(end);

        try (StoreShipper again = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> again.backlog() == 0, Duration.ofSeconds(20));
            awaitTrue(() -> Files.exists(dir.resolve(ShipCheckpoint.FILE_NAME)), Duration.ofSeconds(5));
        }
        assertThat(count(store, "SELECT count(*) FROM usage_records")).isEqualTo(n);
        assertThat(count(store, "SELECT sum(requests) FROM usage_rollups")).isEqualTo(n);
        assertThat(ShipCheckpoint.load(dir, today).offset()).isEqualTo(end);
        assertSameCells(new PostgresCellSource(store), cube(dir), today, today);
    }

    /**
     * A database restored from a backup taken before the last batches: its checkpoint is behind the local one, and
     * the shipper goes back to it and ships the lines after it again (the backup has none of them).
     */
    @Test
    void aDatabaseRestoredFromAnOlderBackupGetsTheLinesAfterItsCheckpointAgain() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("restored"));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int n = writeDay(dir, today.minusDays(1), 30, "r").size() + writeDay(dir, today, 50, "r").size();
        long end = Files.size(dir.resolve(UsageLogFiles.fileName(today)));
        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> s.backlog() == 0 && count(store, "SELECT count(*) FROM usage_records") == n,
                    Duration.ofSeconds(30));
        }
        assertThat(ShipCheckpoint.load(dir, today)).isEqualTo(new ShipCheckpoint(ShipCheckpoint.existingReplica(dir),
                today, end));
        // the backup: yesterday's lines and none of today's
        try (Connection c = connect(store); Statement st = c.createStatement()) {
            st.execute("DELETE FROM usage_records WHERE day = '" + today + "'");
            st.execute("DELETE FROM usage_rollups WHERE minute >= '" + today + "'");
            st.execute("UPDATE store_checkpoints SET day = '" + today + "', spool_offset = 0");
        }
        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == n, Duration.ofSeconds(30));
            awaitTrue(() -> s.backlog() == 0, Duration.ofSeconds(10));
        }
        assertThat(count(store, "SELECT sum(requests) FROM usage_rollups")).isEqualTo(n);
        assertSameCells(new PostgresCellSource(store), cube(dir), today.minusDays(1), today);
    }

    @Test
    void aDatabaseWithoutThisReplicasCheckpointGetsTheWholeLog() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("new-database"));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int n = writeDay(dir, today.minusDays(1), 30, "w").size() + writeDay(dir, today, 20, "w").size();
        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> s.backlog() == 0 && count(store, "SELECT count(*) FROM usage_records") == n,
                    Duration.ofSeconds(30));
        }
        // log.store now names a database that never saw this replica (or one restored from before its first ship)
        try (Connection c = connect(store); Statement st = c.createStatement()) {
            st.execute("DELETE FROM usage_records");
            st.execute("DELETE FROM usage_rollups");
            st.execute("DELETE FROM store_checkpoints");
        }
        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == n, Duration.ofSeconds(30));
            awaitTrue(() -> s.backlog() == 0, Duration.ofSeconds(10));
        }
        assertThat(count(store, "SELECT sum(requests) FROM usage_rollups")).isEqualTo(n);
        assertSameCells(new PostgresCellSource(store), cube(dir), today.minusDays(1), today);
    }

    @Test
    void aDeletedCheckpointGoesOnFromTheDatabasesUnderTheSameNameAndStoresNothingTwice() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("deleted"));
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        int n = writeDay(dir, today.minusDays(1), 40, "d", (day, replica, i) -> "req_bench").size()
                + writeDay(dir, today, 30, "d", (day, replica, i) -> "req_bench").size();
        long end = Files.size(dir.resolve(UsageLogFiles.fileName(today)));
        // a folder of a tollgate from before store-replica: its name is in the checkpoint only, and stays its name
        new ShipCheckpoint("old-name", today.minusDays(1), 0).save(dir);
        shipUntilCheckpointAt(store, dir, today, end);
        assertThat(Files.readString(dir.resolve(ShipCheckpoint.REPLICA_FILE)).strip()).isEqualTo("old-name");
        assertThat(count(store, "SELECT count(*) FROM usage_records")).isEqualTo(n);

        // damaged: the start refuses, saying what deleting it does
        Files.writeString(dir.resolve(ShipCheckpoint.FILE_NAME), "replica=old-name\nday=2026-1\noffset=\n");
        assertThatThrownBy(() -> StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry()))
                .isInstanceOf(IOException.class).hasMessageContaining("damaged")
                .hasMessageContaining("delete it to go on from the database's checkpoint")
                .hasMessageContaining("ship the log again from its first day")
                .hasMessageContaining("records already stored are not stored twice while store-replica");

        Files.delete(dir.resolve(ShipCheckpoint.FILE_NAME));
        shipUntilCheckpointAt(store, dir, today, end);
        assertThat(count(store, "SELECT count(*) FROM usage_records")).isEqualTo(n);
        assertThat(count(store, "SELECT count(*) FROM usage_records WHERE replica = 'old-name'")).isEqualTo(n);
        assertThat(count(store, "SELECT sum(requests) FROM usage_rollups")).isEqualTo(n);
        assertSameCells(new PostgresCellSource(store), cube(dir), today.minusDays(1), today);
    }

    /** Starts a shipper on {@code dir} and stops it once its checkpoint is at {@code offset} of {@code day}. */
    private static void shipUntilCheckpointAt(StoreConfig store, Path dir, LocalDate day, long offset)
            throws Exception {
        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            assertThat(s.replica()).isEqualTo("old-name");
            awaitTrue(() -> {
                try {
                    return ShipCheckpoint.load(dir, day).equals(new ShipCheckpoint("old-name", day, offset));
                } catch (IOException e) {
                    return false;
                }
            }, Duration.ofSeconds(30));
        }
    }

    /** A database of schema version 2 (request_id the key): migrated at start, its rows kept. */
    @Test
    void aVersionTwoDatabaseIsMigratedAndKeepsItsRows() throws Exception {
        StoreConfig store = newStore();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection c = connect(store); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE tollgate_schema (version integer PRIMARY KEY, "
                    + "applied_at timestamptz NOT NULL DEFAULT now())");
            for (int v = 1; v <= 2; v++) {
                st.execute(PostgresStore.MIGRATIONS.get(v - 1));
                st.execute("INSERT INTO tollgate_schema (version) VALUES (" + v + ")");
            }
            st.execute("CREATE TABLE usage_records_" + today.toString().replace("-", "") + " PARTITION OF "
                    + "usage_records FOR VALUES FROM ('" + today + "') TO ('" + today.plusDays(1) + "')");
            st.execute("INSERT INTO usage_records (day, ts, request_id, key, endpoint, stream, status, input_tokens, "
                    + "cached_input_tokens, output_tokens, reasoning_tokens, total_tokens, estimated, cost_usd, "
                    + "duration_ms, ttfb_ms, tags, cache_write_tokens, cache_write_1h_tokens, audio_input_tokens, "
                    + "audio_output_tokens, image_output_tokens, web_search_calls, images, audio_seconds, characters, "
                    + "batch, replica) VALUES ('" + today + "', now(), 'req_bench', 'key-0', '/v1/chat/completions', "
                    + "false, 200, 10, 0, 5, 0, 15, false, 0.25, 40, 5, '{}', 0, 0, 0, 0, 0, 0, 0, 0, 0, false, "
                    + "'v2-replica')");
        }
        Path dir = Files.createDirectories(tmp.resolve("v2"));
        // the same request_id as the stored row (a conflict in version 2) on today, and a day without a partition
        int n = writeDay(dir, today.minusDays(2), 20, "m", (day, replica, i) -> "req_bench").size()
                + writeDay(dir, today, 20, "m", (day, replica, i) -> "req_bench").size();
        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), PostgresStore.open(store),
                new SimpleMeterRegistry())) {
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == n + 1, Duration.ofSeconds(30));
        }
        assertThat(count(store, "SELECT max(version) FROM tollgate_schema")).isEqualTo(PostgresStore.schemaVersion());
        assertThat(count(store, "SELECT count(*) FROM usage_records WHERE replica = 'v2-replica' "
                + "AND spool_offset IS NULL AND cost_usd = 0.25")).isOne();
        assertThat(count(store, "SELECT count(*) FROM usage_records WHERE request_id = 'req_bench'")).isEqualTo(n + 1);
        assertThat(count(store, "SELECT sum(requests) FROM usage_rollups")).isEqualTo(n);
        // the arrays' sum (migration 4) adds element by element, the shorter padded with 0, as version 1's did
        try (Connection c = connect(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT tollgate_array_add('{1,2,3}', '{10,20}')::text, "
                     + "tollgate_array_add('{}', '{5}')::text, tollgate_array_add('{7}', '{}')::text, "
                     + "tollgate_array_add('{}', '{}')::text, (SELECT tollgate_array_sum(a)::text FROM (VALUES "
                     + "('{1,1}'::bigint[]), ('{2,2,2}'), ('{}')) v(a))")) {
            rs.next();
            assertThat(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)))
                    .containsExactly("{11,22,3}", "{5}", "{7}", "{}", "{3,3,2}");
        }
        // the partition made before the migration and the one after have the new key, and no other b-tree (the
        // recent calls' BRIN on ts, migration 5, costs next to nothing per insert)
        for (LocalDate day : List.of(today, today.minusDays(2))) {
            String partition = PostgresStore.partitionName(day);
            assertThat(count(store, "SELECT count(*) FROM pg_indexes WHERE tablename = '" + partition + "' AND "
                    + "indexdef LIKE '%UNIQUE%(day, replica, spool_offset)%'")).as(partition).isOne();
            assertThat(count(store, "SELECT count(*) FROM pg_indexes WHERE tablename = '" + partition + "' AND "
                    + "indexdef NOT LIKE '%USING brin%'")).as(partition).isOne();
            assertThat(count(store, "SELECT count(*) FROM pg_indexes WHERE tablename = '" + partition + "' AND "
                    + "indexdef LIKE '%USING brin (ts)%'")).as(partition).isOne();
        }
    }

    @Test
    void aDayGzippedWhileItsBacklogWaitedShipsFromTheCheckpointOn() throws Exception {
        StoreConfig store = newStore();
        Path dir = Files.createDirectories(tmp.resolve("gz"));
        LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(3);
        List<String> lines = writeDay(dir, day, 30, "g");
        writeDay(dir, LocalDate.now(ZoneOffset.UTC), 5, "g");
        // shipped up to line 10 before the outage, then retention compressed the day
        long offset = 0;
        for (int i = 0; i < 10; i++) {
            offset += lines.get(i).getBytes(StandardCharsets.UTF_8).length + 1;
        }
        new ShipCheckpoint("gz-replica", day, offset).save(dir);
        // the database got those ten lines too: its checkpoint for the replica stands where the local one does
        PostgresStore.open(store).close();
        try (Connection c = connect(store); Statement st = c.createStatement()) {
            st.execute("INSERT INTO store_checkpoints (replica, day, spool_offset) VALUES ('gz-replica', '" + day
                    + "', " + offset + ")");
        }
        Path plain = dir.resolve(UsageLogFiles.fileName(day));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve(UsageLogFiles.fileName(day) + ".gz")))) {
            Files.copy(plain, out);
        }
        Files.delete(plain);

        try (StoreShipper s = StoreShipper.start(store, dir, Clock.systemUTC(), null, new SimpleMeterRegistry())) {
            awaitTrue(() -> count(store, "SELECT count(*) FROM usage_records") == 20 + 5, Duration.ofSeconds(20));
            awaitTrue(() -> s.backlog() == 0, Duration.ofSeconds(10));
        }
        assertThat(count(store, "SELECT count(*) FROM usage_records WHERE request_id = '" + day + "-g-9'")).isZero();
        assertThat(count(store, "SELECT count(*) FROM usage_records WHERE request_id = '" + day + "-g-10'")).isOne();
    }

    @Test
    void replicasStartingAtOnceMigrateOneSchema() throws Exception {
        StoreConfig store = newStore();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<PostgresStore>> opened = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                opened.add(pool.submit((Callable<PostgresStore>) () -> {
                    go.await();
                    return PostgresStore.open(store);
                }));
            }
            go.countDown();
            for (Future<PostgresStore> f : opened) {
                f.get().close();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(count(store, "SELECT count(*) FROM tollgate_schema")).isEqualTo(PostgresStore.schemaVersion());
        assertThat(count(store, "SELECT max(version) FROM tollgate_schema")).isEqualTo(PostgresStore.schemaVersion());
        assertThat(count(store, "SELECT count(*) FROM pg_tables WHERE tablename IN ('usage_records', 'usage_rollups')"))
                .isEqualTo(2);
    }

    @Test
    void aWrongPasswordMissingDatabaseOrDeadPortIsOneLineNamingTheSettingWithoutThePassword() throws Exception {
        String secret = "not-the-" + PostgresTestServer.PASSWORD;
        StoreConfig wrongPassword = StoreConfig.parse(pg.url(), Map.of(StoreConfig.ENV_PASSWORD, secret), false);
        assertThatThrownBy(() -> PostgresStore.open(wrongPassword)).isInstanceOf(StoreException.class)
                .hasMessageStartingWith("log.store: postgres://tollgate@127.0.0.1:" + pg.port() + "/tollgate: ")
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret).doesNotContain("\n"));
        StoreConfig missing = StoreConfig.parse("postgres://tollgate:${PW}@127.0.0.1:" + pg.port() + "/nope",
                Map.of("PW", PostgresTestServer.PASSWORD), false);
        assertThatThrownBy(() -> PostgresStore.open(missing)).isInstanceOf(StoreException.class)
                .hasMessageStartingWith("log.store: postgres://tollgate@127.0.0.1:" + pg.port() + "/nope: ")
                .hasMessageContaining("\"nope\" does not exist")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PostgresTestServer.PASSWORD));
        int dead = PostgresTestServer.freePort();
        StoreConfig refused = StoreConfig.parse("postgres://tollgate@127.0.0.1:" + dead + "/tollgate",
                Map.of(StoreConfig.ENV_PASSWORD, PostgresTestServer.PASSWORD), false);
        assertThatThrownBy(() -> PostgresStore.open(refused)).isInstanceOf(StoreException.class)
                .hasMessageStartingWith("log.store: postgres://tollgate@127.0.0.1:" + dead + "/tollgate: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PostgresTestServer.PASSWORD));
    }

    // --- helpers ---

    /** Varied calls: users, tags, providers, errors, unpriced and estimated ones, units, long prompts. */
    public static UsageRecord record(Instant ts, String id, int i, String replica) {
        BigDecimal cost = i % 7 == 3 ? null : new BigDecimal("0.0000" + (1 + i % 9) + "5").add(BigDecimal.valueOf(i, 6));
        long input = i % 11 == 0 ? 130_000 + i : 900 + 37L * i;
        UnitCounts units = i % 5 == 0 ? new UnitCounts(64, 3, 2, 1, i % 3, 1, new BigDecimal("1.5"), 12, 32)
                : UnitCounts.ZERO;
        return new UsageRecord(ts, id, "key-" + (i % 3), i % 4 == 0 ? "/v1/messages" : "/v1/chat/completions",
                "model-" + (i % 2), cost == null ? null : "model-" + (i % 2), i % 2 == 0, i % 13 == 0 ? 429 : 200,
                input, Math.min(input, 128L * (i % 4)), 20 + i, i % 3, input + 20 + i, i % 6 == 0, cost, 40L * i,
                5L * i, i % 3 == 0 ? null : "user-" + (i % 4),
                i % 2 == 0 ? Map.of("team", "t" + (i % 3), "replica", replica) : Map.of(),
                i % 13 == 0 ? "rate_limit_exceeded" : null,
                new UsageUnits(units, i % 8 == 0 ? "flex" : null, i % 3 == 1 ? "anthropic" : null, i % 9 == 0));
    }

    /** {@code n} calls on {@code day}, appended to its file; the lines written. */
    private static List<String> writeDay(Path dir, LocalDate day, int n, String replica) throws IOException {
        return writeDay(dir, day, n, replica, (d, r, i) -> d + "-" + r + "-" + i);
    }

    private static List<String> writeDay(Path dir, LocalDate day, int n, String replica, Ids ids) throws IOException {
        List<String> lines = new ArrayList<>();
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(3600);
        if (day.equals(LocalDate.now(ZoneOffset.UTC))) {
            start = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        }
        for (int i = 0; i < n; i++) {
            lines.add(UsageRecordJson.toJson(record(start.plusMillis(997L * i), ids.id(day, replica, i), i, replica)));
        }
        append(dir, day, lines);
        return lines;
    }

    private static void append(Path dir, LocalDate day, List<String> lines) throws IOException {
        Files.write(dir.resolve(UsageLogFiles.fileName(day)), lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    private static UsageCube cube(Path dir) throws IOException {
        UsageCube cube = new UsageCube();
        new UsageLogReader(dir).read(LocalDate.MIN, LocalDate.MAX, line -> {
            UsageRecord r = line.toRecord();
            cube.addCall(line.day(), CellKey.of(r), r);
        });
        return cube;
    }

    private static void assertSameCells(CellSource stored, CellSource expected, LocalDate from, LocalDate to) {
        Map<String, TallyState> got = cells(stored, from, to);
        Map<String, TallyState> want = cells(expected, from, to);
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(want.keySet());
        assertThat(want).isNotEmpty();
        RecursiveComparisonConfiguration exact = RecursiveComparisonConfiguration.builder()
                .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).build();
        want.forEach((cell, state) -> assertThat(got.get(cell)).as(cell)
                .usingRecursiveComparison(exact).isEqualTo(state));
    }

    private static Map<String, TallyState> cells(CellSource source, LocalDate from, LocalDate to) {
        Map<String, TallyState> out = new HashMap<>();
        source.forEachCell(from, to, (day, key, tally) -> out.put(day + " " + key, TallyState.of(tally)));
        return out;
    }

    private static Map<String, UsageRecord> storedRecords(StoreConfig store) throws SQLException {
        return storedRecords(store, "true");
    }

    /** The stored rows {@code where} holds for, as records, by request_id. */
    static Map<String, UsageRecord> storedRecords(StoreConfig store, String where) throws SQLException {
        Map<String, UsageRecord> out = new HashMap<>();
        try (Connection c = connect(store); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ts, request_id, key, endpoint, model, priced_as, stream, status, "
                     + "input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, total_tokens, estimated, "
                     + "cost_usd, duration_ms, ttfb_ms, \"user\", tags::text, error, cache_write_tokens, "
                     + "cache_write_1h_tokens, audio_input_tokens, audio_output_tokens, image_output_tokens, "
                     + "web_search_calls, images, audio_seconds, characters, service_tier, provider, batch "
                     + "FROM usage_records WHERE " + where)) {
            while (rs.next()) {
                Map<String, String> tags = new HashMap<>();
                com.fasterxml.jackson.databind.JsonNode t;
                try {
                    t = new com.fasterxml.jackson.databind.ObjectMapper().readTree(rs.getString(19));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
                t.fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
                UnitCounts u = new UnitCounts(rs.getLong(21), rs.getLong(23), rs.getLong(24), rs.getLong(25),
                        rs.getLong(26), rs.getLong(27), rs.getBigDecimal(28), rs.getLong(29), rs.getLong(22));
                UsageRecord r = new UsageRecord(rs.getObject(1, java.time.OffsetDateTime.class).toInstant(),
                        rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6),
                        rs.getBoolean(7), rs.getInt(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getLong(12),
                        rs.getLong(13), rs.getBoolean(14), rs.getBigDecimal(15), rs.getLong(16), rs.getLong(17),
                        rs.getString(18), tags, rs.getString(20),
                        new UsageUnits(u, rs.getString(30), rs.getString(31), rs.getBoolean(32)));
                out.put(r.requestId(), r);
            }
        }
        return out;
    }

    private static Connection connect(StoreConfig store) throws SQLException {
        return PostgresStore.connect(store);
    }

    private static long count(StoreConfig store, String sql) {
        try (Connection c = connect(store); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Polls a condition (a database or a thread's progress) until it holds, failing after {@code limit}. */
    private static void awaitTrue(BooleanSupplier condition, Duration limit) {
        long until = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not true within " + limit);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }
}

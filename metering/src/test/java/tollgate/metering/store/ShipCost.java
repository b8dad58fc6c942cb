package tollgate.metering.store;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.StoreConfig;

/**
 * Not a test (no *Test name, so the suite does not run it): what shipping a record costs, on the shipper's thread
 * (CPU, bytes allocated) and in the database's backend (CPU from /proc), batches of 1,000 of StoreShipperTest's
 * varied records ({@code -Dshipcost.uniform=true}: all of one cell, as the bench sends them). Run it by hand:
 * {@code -Dtest=ShipCost -Dshipcost.rows=50000 -Dshipcost.rounds=5}; {@code -Dshipcost.sql=…} runs a statement on
 * each new database before measuring (an experiment: {@code CREATE INDEX ON usage_records (request_id)}).
 * {@code -Dshipcost.variants=append,conflict} alternates the rounds between batches after the replica's checkpoint
 * in the database (appended as they are: how the shipper ships) and batches of a replica without one (inserted
 * {@code ON CONFLICT DO NOTHING RETURNING}: how a batch behind the checkpoint ships, and how every batch shipped
 * before the checkpoint moved into the database); the default is {@code append}. Besides the backend, it prints the
 * whole server's CPU (postmaster and every child, the WAL writer, background writer, checkpointer and autovacuum
 * included, the ones that exited too) and the WAL written per row, which other databases of the shared test server
 * add to when tests run alongside. {@code -Dshipcost.vacuum=true} then runs {@code VACUUM (FREEZE)} and {@code
 * ANALYZE} on the records (what autovacuum does to them sooner or later) and prints their CPU per row.
 * {@code -Dtest=ShipCost#spoolRead} measures the shipper's reading of the spool.
 */
class ShipCost {
    private static final int BATCH = StoreShipper.MAX_BATCH;

    @Test
    void measure() throws Exception {
        PostgresTestServer pg = PostgresTestServer.shared();
        int rows = Integer.getInteger("shipcost.rows", 50_000);
        int rounds = Integer.getInteger("shipcost.rounds", 3);
        // uniform: every call of one cell (as the bench's s1 sends them); else StoreShipperTest's varied calls
        boolean uniform = Boolean.getBoolean("shipcost.uniform");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant base = today.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(60);
        List<PostgresStore.Row> all = new ArrayList<>(rows);
        long offset = 0;
        for (int i = 0; i < rows + 10 * BATCH; i++) {
            all.add(new PostgresStore.Row(today, offset, StoreShipperTest.record(base.plusMillis(7L * i)
                    .truncatedTo(ChronoUnit.MILLIS), "req_" + i, uniform ? 1 : i, "a"), Map.of()));
            offset += 420;
        }
        List<String> variants = List.of(System.getProperty("shipcost.variants", "append").split(","));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int round = 0; round < rounds; round++) {
            boolean append = variants.get(round % variants.size()).equals("append");
            String db = "cost" + System.nanoTime();
            StoreConfig store = pg.newStore(db);
            try (PostgresStore s = PostgresStore.open(store); Connection probe = pg.connect()) {
                // warm-up: JIT, the partition, the plan
                for (int b = 0; b < 10; b++) {
                    ship(s, all.subList(b * BATCH, (b + 1) * BATCH), append ? "a" : "w" + b);
                }
                String experiment = System.getProperty("shipcost.sql");
                if (experiment != null) {
                    try (Connection c = PostgresStore.connect(store); java.sql.Statement st = c.createStatement()) {
                        st.execute(experiment);
                    }
                }
                int pid = backend(probe, db);
                int postmaster = parent(pid);
                long pgBefore = cpuTicks(pid);
                long serverBefore = serverTicks(postmaster);
                String walBefore = wal(probe);
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long allocBefore = threads.getCurrentThreadAllocatedBytes();
                long wallBefore = System.nanoTime();
                for (int b = 10; b < 10 + rows / BATCH; b++) {
                    ship(s, all.subList(b * BATCH, (b + 1) * BATCH), append ? "a" : "c" + b);
                }
                long wall = System.nanoTime() - wallBefore;
                long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
                long alloc = threads.getCurrentThreadAllocatedBytes() - allocBefore;
                long pgTicks = cpuTicks(pid) - pgBefore;
                long serverTicks = serverTicks(postmaster) - serverBefore;
                long walBytes = walSince(probe, walBefore);
                long cells;
                String upkeep = "";
                try (Connection c = PostgresStore.connect(store);
                     ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM usage_rollups")) {
                    rs.next();
                    cells = rs.getLong(1);
                    if (Boolean.getBoolean("shipcost.vacuum")) {
                        // what autovacuum does to the rows sooner or later: visibility, freezing, statistics
                        int own;
                        try (ResultSet b = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                            b.next();
                            own = b.getInt(1);
                        }
                        long before = cpuTicks(own);
                        c.createStatement().execute("VACUUM (FREEZE) usage_records");
                        long vacuum = cpuTicks(own) - before;
                        c.createStatement().execute("ANALYZE usage_records");
                        long analyze = cpuTicks(own) - before - vacuum;
                        upkeep = String.format(", then VACUUM (FREEZE) %.1f us/row, ANALYZE %.1f us/row",
                                vacuum * 10_000.0 / rows, analyze * 10_000.0 / rows);
                    }
                }
                System.out.printf("SHIPCOST round %d %s: %d rows, %.0f rows/s wall, java %.1f us/row (%.0f B/row), "
                                + "postgres backend %.1f us/row, server %.1f us/row, WAL %.0f B/row; %d rollup rows "
                                + "(minute x cell)%s%n",
                        round, append ? "append" : "conflict", rows, rows / (wall / 1e9), cpu / 1e3 / rows,
                        (double) alloc / rows, pgTicks * 10_000.0 / rows, serverTicks * 10_000.0 / rows,
                        (double) walBytes / rows, cells, upkeep);
            }
        }
    }

    /**
     * The shipper's side before the store: following the spool with {@link tollgate.metering.log.UsageLogTail} and
     * making each line's row (the parse, {@code toRecord}, the unknown fields), over a file of the bench's lines
     * ({@code -Dshipcost.uniform=true}) or StoreShipperTest's varied ones: CPU and bytes per line.
     */
    @Test
    void spoolRead() throws Exception {
        int rows = Integer.getInteger("shipcost.rows", 50_000);
        boolean uniform = Boolean.getBoolean("shipcost.uniform");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant base = today.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(60);
        Path dir = Files.createTempDirectory("shipcost");
        try {
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < rows; i++) {
                lines.append(tollgate.metering.log.UsageRecordJson.toJson(StoreShipperTest.record(
                        base.plusMillis(7L * i), "req_" + i, uniform ? 1 : i, "a"))).append('\n');
            }
            Path file = dir.resolve(tollgate.metering.log.UsageLogFiles.fileName(today));
            Files.writeString(file, lines);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            for (int round = 0; round < 6; round++) {
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long allocBefore = threads.getCurrentThreadAllocatedBytes();
                long n = 0;
                try (tollgate.metering.log.UsageLogTail t = tollgate.metering.log.UsageLogTail.open(dir, today, 0)) {
                    tollgate.metering.log.UsageLine line;
                    while ((line = t.next()) != null) {
                        PostgresStore.Row row = new PostgresStore.Row(t.day(), t.lineOffset(), line.toRecord(),
                                line.extra());
                        n += row.spoolOffset() > 0 ? 1 : 0;
                    }
                }
                long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
                long alloc = threads.getCurrentThreadAllocatedBytes() - allocBefore;
                System.out.printf("SHIPCOST spool read round %d: %d lines (%d B/line), java %.2f us/line "
                        + "(%.0f B/line)%n", round, n + 1, Files.size(file) / rows, cpu / 1e3 / rows,
                        (double) alloc / rows);
            }
        } finally {
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /**
     * The shipper as it runs in tollgate: a usage-log writer taking {@code -Dshipcost.rate} records a second (15,000
     * unless told; one {@code append} per call, as the proxy does) for {@code -Dshipcost.seconds} (10) after 3 s of
     * warm-up, its listener waking the shipper, which ships to the database. Per record: the CPU of the shipper's and
     * the writer's threads, their context switches, and the CPU of the shipper's backend.
     */
    @Test
    void atRate() throws Exception {
        PostgresTestServer pg = PostgresTestServer.shared();
        int rate = Integer.getInteger("shipcost.rate", 15_000);
        int seconds = Integer.getInteger("shipcost.seconds", 10);
        String db = "rate" + System.nanoTime();
        StoreConfig store = pg.newStore(db);
        Path dir = Files.createTempDirectory("shipcost");
        tollgate.metering.log.UsageLogWriter writer = tollgate.metering.log.UsageLogWriter.start(
                new tollgate.config.LogConfig(dir, tollgate.config.FsyncMode.BATCH, 100_000),
                tollgate.metering.log.UsageLogCounters.NONE);
        StoreShipper shipper = StoreShipper.start(store, dir, java.time.Clock.systemUTC(), PostgresStore.open(store),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        writer.addListener(shipper::written);
        try (Connection probe = pg.connect()) {
            long sent = write(writer, rate, 3, 0);
            int pid = backend(probe, db);
            long[] before = threadTicks();
            long pgBefore = cpuTicks(pid);
            long measured = write(writer, rate, seconds, sent) - sent;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (shipper.backlog() > 0 && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
            }
            long[] after = threadTicks();
            long pgTicks = cpuTicks(pid) - pgBefore;
            System.out.printf("SHIPCOST at %d/s: %d records, shipper %.2f us/record (%.3f context switches/record), "
                            + "writer %.2f us/record (%.3f), postgres backend %.2f us/record%n", rate, measured,
                    (after[0] - before[0]) * 10_000.0 / measured, (double) (after[1] - before[1]) / measured,
                    (after[2] - before[2]) * 10_000.0 / measured, (double) (after[3] - before[3]) / measured,
                    pgTicks * 10_000.0 / measured);
        } finally {
            writer.close();
            shipper.close();
        }
    }

    /** Appends records at {@code rate} a second for {@code seconds}, from number {@code first} on; the next number. */
    private static long write(tollgate.metering.log.UsageLogWriter writer, int rate, int seconds, long first) {
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long n = first;
        long now;
        while ((now = System.nanoTime()) < end) {
            long due = first + (now - start) * rate / 1_000_000_000L;
            for (; n < due; n++) {
                writer.append(StoreShipperTest.record(Instant.now(), "req_" + n, 1, "a"));
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000L);
        }
        return n;
    }

    /**
     * This JVM's shipper and writer threads (by their names as Linux keeps them, 15 characters): CPU ticks and
     * context switches of each.
     */
    private static long[] threadTicks() throws Exception {
        long[] out = new long[4];
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String comm = Files.readString(task.resolve("comm")).strip();
                int i = comm.equals("tollgate-store-") ? 0 : comm.equals("tollgate-usage-") ? 2 : -1;
                if (i < 0) {
                    continue;
                }
                String stat = Files.readString(task.resolve("stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                out[i] += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                for (String line : Files.readAllLines(task.resolve("status"))) {
                    if (line.startsWith("voluntary_ctxt_switches") || line.startsWith("nonvoluntary_ctxt_switches")) {
                        out[i + 1] += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
                    }
                }
            }
        }
        return out;
    }

    /** The unnest and the casts of the insert alone, without the insert: what reading the arrays costs. */
    @Test
    void unnestOnly() throws Exception {
        PostgresTestServer pg = PostgresTestServer.shared();
        int rows = Integer.getInteger("shipcost.rows", 50_000);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant base = today.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(60);
        List<PostgresStore.Row> all = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
            all.add(new PostgresStore.Row(today, 420L * i, StoreShipperTest.record(base.plusMillis(7L * i), "req_" + i,
                    1, "a"), Map.of()));
        }
        String insert = RecordColumns.INSERT;
        String select = "SELECT count(*) FROM (" + insert.substring(insert.indexOf(" SELECT ") + 1,
                insert.indexOf(" ON CONFLICT")) + ") s";
        StoreConfig store = pg.newStore("unnest" + System.nanoTime());
        PostgresStore.open(store).close();
        try (Connection c = PostgresStore.connect(store); PreparedStatement ps = c.prepareStatement(select)) {
            int pid;
            try (ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }
            for (int round = 0; round < 4; round++) {
                long before = cpuTicks(pid);
                for (int b = 0; b < rows / BATCH; b++) {
                    RecordColumns.set(ps, all, "a");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                    }
                }
                System.out.printf("SHIPCOST unnest and casts only: postgres backend %.1f us/row%n",
                        (cpuTicks(pid) - before) * 10_000.0 / rows);
            }
        }
    }

    /** Ships a batch of rows 420 bytes apart, as the shipper does: the checkpoint just past the last one. */
    private static void ship(PostgresStore s, List<PostgresStore.Row> batch, String replica)
            throws java.sql.SQLException {
        PostgresStore.Row last = batch.get(batch.size() - 1);
        s.ship(batch, replica, new PostgresStore.Place(last.day(), last.spoolOffset() + 420));
    }

    /** The server's WAL position now (every database's: the shared server's others add to it). */
    private static String wal(Connection probe) throws Exception {
        try (ResultSet rs = probe.createStatement().executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long walSince(Connection probe, String before) throws Exception {
        try (PreparedStatement ps = probe.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)")) {
            ps.setString(1, before);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The parent of a process (a backend's: the postmaster). */
    private static int parent(int pid) throws Exception {
        return Integer.parseInt(stat(pid)[1]);
    }

    /**
     * The server's CPU in clock ticks: the postmaster's own and its exited children's (cutime, cstime), and its live
     * children's own.
     */
    private static long serverTicks(int postmaster) throws Exception {
        String[] pm = stat(postmaster);
        long ticks = Long.parseLong(pm[11]) + Long.parseLong(pm[12]) + Long.parseLong(pm[13]) + Long.parseLong(pm[14]);
        try (java.util.stream.Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String[] f = stat(Integer.parseInt(name));
                    if (Integer.parseInt(f[1]) == postmaster) {
                        ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    }
                } catch (java.io.IOException gone) {
                    // exited meanwhile: in the postmaster's cutime once reaped
                }
            }
        }
        return ticks;
    }

    /** The fields of /proc/PID/stat after the command's name: [0] state, [1] ppid, … [11] utime, [12] stime. */
    private static String[] stat(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    private static int backend(Connection probe, String db) throws Exception {
        try (PreparedStatement ps = probe.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE datname = ? AND application_name = 'tollgate'")) {
            ps.setString(1, db);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** utime + stime of a process, in clock ticks (1/100 s). */
    private static long cpuTicks(int pid) throws Exception {
        String[] f = stat(pid);
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}

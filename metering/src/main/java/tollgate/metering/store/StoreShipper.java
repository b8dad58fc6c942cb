package tollgate.metering.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.StoreConfig;
import tollgate.metering.log.UsageLine;
import tollgate.metering.log.UsageLogFiles;
import tollgate.metering.log.UsageLogTail;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.Utf8;
import tollgate.metering.log.WrittenRecord;

/**
 * Ships the usage log to {@code log.store} (issue 20) on a thread of its own: the JSONL log stays the write-ahead
 * spool, and this thread follows it from the replica's checkpoint, day file by day file, in batches of at most
 * {@value #MAX_BATCH} records or {@code 200 ms}, each in one transaction with the database's checkpoint
 * ({@link PostgresStore#ship}); its copy in the log folder ({@link ShipCheckpoint}) is saved after the commit, and
 * the database's counts when the two differ. The request path never waits on it: calls are written to the log as
 * always, and the database only delays their arrival.
 *
 * <p>When the database fails, the batch is kept and retried after a pause growing from 1 s to 5 s (an attempt is
 * cheap, and the pause is how long a database that came back waits for the backlog: bench/RESULTS.md, session 6);
 * the log keeps growing meanwhile and drains in order on recovery. A crash between a commit and the local file
 * goes on from the database's checkpoint; a batch shipped again all the same is counted once (the store knows a
 * record by the replica's name and the line's place in the log). A day is left for the next once its file is read
 * to the end, a later day's file exists and the day
 * ended over {@link #LATE_WRITES} ago (a call that ended just before midnight may be written just after it). Graceful stop
 * ships what it can within the time it is given.
 *
 * <p>The writer hands each record it wrote to the shipper too, with its line's place ({@link #written}): when that
 * line is the next one to ship, the record is taken as it is, and the file is neither read nor parsed for it; a line
 * not handed over (a full hand-off queue, a backlog, a start, a record holding a lone surrogate, which the log writes
 * as {@code ?}) is read from the file as always. Either way a record ships by its place in the log.
 *
 * <p>Metrics: {@code tollgate_store_backlog_records} (lines in the log not yet committed), {@code
 * tollgate_store_ship_seconds} (a record's {@code ts} to its commit) and {@code tollgate_store_failures_total}.
 */
public final class StoreShipper implements AutoCloseable {
    static final int MAX_BATCH = 1_000;
    static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    static final Duration LATE_WRITES = Duration.ofMinutes(1);
    /** Records the writer may hand over ahead of the shipper; past it, they are read from the log. */
    static final int HANDED = 4 * MAX_BATCH;
    private static final Logger log = LoggerFactory.getLogger(StoreShipper.class);

    private final StoreConfig config;
    private final Path dir;
    private final Clock clock;
    private final Thread thread;
    private final AtomicLong backlog = new AtomicLong();
    private final Counter failures;
    private final Timer shipLatency;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private volatile boolean stopping;
    private volatile long stopDeadlineNanos;
    private volatile @Nullable Runnable afterCommit;

    private @Nullable PostgresStore store;
    /** Written by the shipper's thread only; volatile for {@link #unshippedFrom()}. */
    private volatile ShipCheckpoint checkpoint;
    /** The read position: ahead of the checkpoint by the batch not committed yet. */
    private LocalDate readDay;
    private @Nullable UsageLogTail tail;
    /** Where the day's file is opened: the checkpoint's offset on its day, 0 on the days after it. */
    private long openOffset;
    private long malformedSeen;
    private final List<PostgresStore.Row> batch = new ArrayList<>(MAX_BATCH);
    /** Records as the writer wrote them, in the log's order (writer thread → shipper thread). */
    private final ArrayBlockingQueue<WrittenRecord> handed = new ArrayBlockingQueue<>(HANDED);
    /** Rows taken as handed over, and rows read from the log (shipper thread; read by tests after it stopped). */
    private volatile long handedRows;
    private volatile long readRows;
    private LocalDate batchEndDay;
    private long batchEndOffset;
    private long batchStartNanos;
    private boolean failing;
    /** True while the shipper waits for the first record of a batch (written() wakes it then only). */
    private volatile boolean idle;
    /** Whether the checkpoint was compared with the database's since the connection was made. */
    private boolean synced;
    private List<SizedFile> backlogAtStart = List.of();

    private StoreShipper(StoreConfig config, Path dir, Clock clock, @Nullable PostgresStore store,
                         ShipCheckpoint checkpoint, MeterRegistry registry, Duration minBackoff,
                         Duration maxBackoff) {
        this.config = config;
        this.dir = dir;
        this.clock = clock;
        this.store = store;
        this.checkpoint = checkpoint;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.readDay = checkpoint.day();
        this.openOffset = checkpoint.offset();
        this.batchEndDay = checkpoint.day();
        this.batchEndOffset = checkpoint.offset();
        Gauge.builder("tollgate.store.backlog.records", backlog, AtomicLong::get)
                .description("Usage-log records not yet committed to log.store").register(registry);
        this.failures = Counter.builder("tollgate.store.failures")
                .description("log.store batches or connections that failed (the records stay in the log and are retried)")
                .register(registry);
        this.shipLatency = Timer.builder("tollgate.store.ship")
                .description("From a record's ts to its commit in log.store").register(registry);
        this.thread = new Thread(this::run, "tollgate-store-shipper");
        thread.setDaemon(true);
    }

    /**
     * Starts shipping the log in {@code dir}.
     *
     * @param store the connection start-up opened, or null to connect from the shipper's thread (log.store_optional)
     */
    public static StoreShipper start(StoreConfig config, Path dir, Clock clock, @Nullable PostgresStore store,
                                     MeterRegistry registry) throws IOException {
        return start(config, dir, clock, store, registry, MIN_BACKOFF, MAX_BACKOFF);
    }

    /** With the retry pauses growing from {@code minBackoff} to {@code maxBackoff} (tests shorten them). */
    static StoreShipper start(StoreConfig config, Path dir, Clock clock, @Nullable PostgresStore store,
                              MeterRegistry registry, Duration minBackoff, Duration maxBackoff) throws IOException {
        List<UsageLogFiles.DayFile> files = UsageLogFiles.list(dir, LocalDate.MIN, LocalDate.MAX);
        LocalDate first = files.isEmpty() ? LocalDate.now(clock.withZone(ZoneOffset.UTC)) : files.get(0).date();
        ShipCheckpoint cp = ShipCheckpoint.load(dir, first);
        StoreShipper s = new StoreShipper(config, dir, clock, store, cp, registry, minBackoff, maxBackoff);
        // the lines already in the log past the checkpoint, up to the files' sizes now (later ones come through
        // written()): counted on the shipper's thread, so a long backlog does not hold up the start
        s.backlogAtStart = backlogFiles(dir, cp);
        s.thread.start();
        return s;
    }

    /**
     * One more record in the log (a usage-log writer listener, on the writer's thread), handed over for the shipper to
     * take without reading its line back (when it can be: {@link #loggedAsIs}); wakes the shipper when it
     * waits for a batch's first record, or when a full batch is waiting. Not for the records in between: a batch
     * started ships at its deadline, and a wake per record cost the shipper more CPU than shipping the record
     * (ShipCost#atRate: 11-13 us a record at 15,000 a second).
     */
    public void written(WrittenRecord w) {
        if (w.day() != null && loggedAsIs(w.record())) {
            // a full queue drops it: its line is read from the log instead
            handed.offer(w);
        }
        long n = backlog.incrementAndGet();
        if (idle || n % MAX_BATCH == 0) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * The first day of the log not wholly committed to the store (the checkpoint's): log retention deletes no day
     * from it on, so a database outage longer than {@code log.retain_days} delays records without losing them.
     */
    public LocalDate unshippedFrom() {
        return checkpoint.day();
    }

    public String replica() {
        return checkpoint.replica();
    }

    public long backlog() {
        return backlog.get();
    }

    /** For tests: runs after a commit, before its checkpoint is saved (a crash there is what it simulates). */
    void afterCommit(@Nullable Runnable hook) {
        this.afterCommit = hook;
    }

    private void run() {
        try {
            backlog.addAndGet(countLines(backlogAtStart));
        } catch (IOException e) {
            log.warn("log.store: the usage log's backlog could not be counted (tollgate_store_backlog_records counts "
                    + "new records only): {}", e.toString());
        }
        backlogAtStart = List.of();
        Duration backoff = minBackoff;
        while (true) {
            if (stopping && System.nanoTime() - stopDeadlineNanos >= 0) {
                // the stop's time is up: the rest ships from the log at the next start
                return;
            }
            try {
                if (!synced) {
                    store();
                }
                // said before reading: a record written after the read finds it set and wakes the park below
                idle = batch.isEmpty();
                fill();
                if (!batch.isEmpty()) {
                    idle = false;
                }
                long now = System.nanoTime();
                boolean due = !batch.isEmpty()
                        && (batch.size() >= MAX_BATCH || now - batchStartNanos >= BATCH_NANOS || stopping);
                if (!due) {
                    if (stopping && batch.isEmpty()) {
                        return;
                    }
                    LockSupport.parkNanos(batch.isEmpty() ? BATCH_NANOS : BATCH_NANOS - (now - batchStartNanos));
                    continue;
                }
                ship();
                backoff = minBackoff;
            } catch (SQLException | IOException | RuntimeException e) {
                failures.increment();
                closeStore();
                if (!failing) {
                    failing = true;
                    log.warn("log.store: {}: shipping paused, records stay in the usage log and are retried: {}",
                            config.display(), StoreException.reason(config, e));
                }
                if (!pause(backoff)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    /** Waits {@code d}, cut short by a stop; false when stopping is past its deadline. */
    private boolean pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        while (true) {
            long now = System.nanoTime();
            if (stopping && now - stopDeadlineNanos >= 0) {
                return false;
            }
            long wait = stopping ? Math.min(until, stopDeadlineNanos) - now : until - now;
            if (wait <= 0) {
                return !stopping || now - stopDeadlineNanos < 0;
            }
            LockSupport.parkNanos(wait);
        }
    }

    /** The connection, made when there is none and then compared with the database's checkpoint. */
    private PostgresStore store() throws SQLException, IOException {
        PostgresStore s = store;
        if (s == null) {
            try {
                s = PostgresStore.open(config);
            } catch (StoreException e) {
                throw new SQLException(e.reason(), e);
            }
            store = s;
            synced = false;
        }
        if (!synced) {
            resync(s);
        }
        return s;
    }

    private void ship() throws SQLException, IOException {
        PostgresStore s = store();
        if (batch.isEmpty()) {
            // the batch was read from where the local checkpoint is, and the database's is elsewhere
            return;
        }
        s.ship(batch, checkpoint.replica(), new PostgresStore.Place(batchEndDay, batchEndOffset));
        Runnable hook = afterCommit;
        if (hook != null) {
            hook.run();
        }
        checkpoint = checkpoint.at(batchEndDay, batchEndOffset);
        checkpoint.save(dir);
        if (failing) {
            failing = false;
            log.info("log.store: {}: shipping again", config.display());
        }
        long now = clock.millis();
        for (PostgresStore.Row r : batch) {
            shipLatency.record(Math.max(0, now - r.record().ts().toEpochMilli()), TimeUnit.MILLISECONDS);
        }
        backlog.addAndGet(-batch.size());
        batch.clear();
    }

    /**
     * Moves to the database's checkpoint when it is not where the local one is (it is moved in each batch's
     * transaction, the local file only after the commit: a crash in between, or a local file deleted, leaves the
     * local one behind; a database restored from a backup leaves it ahead; a database without this replica's
     * checkpoint has none of its lines: the log's first day), dropping the batch read from the old place.
     */
    private void resync(PostgresStore s) throws SQLException, IOException {
        PostgresStore.Place stored = s.checkpoint(checkpoint.replica());
        synced = true;
        PostgresStore.Place local = new PostgresStore.Place(checkpoint.day(), checkpoint.offset());
        if (stored == null) {
            // the database has no line of this replica (a new database, or one restored from before its first
            // ship): the whole log goes again, as a new replica's does; records already stored are not stored twice
            List<UsageLogFiles.DayFile> files = UsageLogFiles.list(dir, LocalDate.MIN, LocalDate.MAX);
            stored = new PostgresStore.Place(files.isEmpty() ? checkpoint.day() : files.get(0).date(), 0);
        }
        if (stored.equals(local)) {
            return;
        }
        boolean ahead = stored.isAfter(local);
        ShipCheckpoint moved = checkpoint.at(stored.day(), stored.offset());
        long lines = countLines(ahead ? spanFiles(dir, checkpoint, moved) : spanFiles(dir, moved, checkpoint));
        backlog.addAndGet(ahead ? -lines : lines);
        log.info("log.store: {}: shipping from the database's checkpoint for {} ({} at byte {}), {} the local one",
                config.display(), checkpoint.replica(), stored.day(), stored.offset(), ahead ? "ahead of" : "behind");
        closeTail();
        batch.clear();
        checkpoint = moved;
        readDay = checkpoint.day();
        openOffset = checkpoint.offset();
        batchEndDay = checkpoint.day();
        batchEndOffset = checkpoint.offset();
        checkpoint.save(dir);
    }

    /** Reads available lines into the batch, up to its size. */
    private void fill() throws IOException {
        while (batch.size() < MAX_BATCH) {
            if (takeHanded()) {
                continue;
            }
            UsageLogTail t = tail();
            if (t == null) {
                return;
            }
            UsageLine line = t.next();
            // skipped lines were counted in the backlog, and never ship
            backlog.addAndGet(malformedSeen - t.malformed());
            malformedSeen = t.malformed();
            if (line == null) {
                if (!nextDay()) {
                    return;
                }
                continue;
            }
            if (batch.isEmpty()) {
                batchStartNanos = System.nanoTime();
            }
            // the line's place in this replica's spool is its key, the same on every re-ship
            batch.add(new PostgresStore.Row(t.day(), t.lineOffset(), line.toRecord(), line.extra()));
            batchEndDay = t.day();
            batchEndOffset = t.offset();
            readRows++;
        }
    }

    /**
     * Takes the next line as the writer handed it over, when that is the next line to ship (the read position is
     * where its line starts); drops handed records already behind it. False when the next line must be read from
     * the log: one not handed over comes first, or a later day's (the current day may still get late writes).
     */
    private boolean takeHanded() {
        long position = tail != null ? tail.offset() : openOffset;
        for (WrittenRecord w; (w = handed.peek()) != null; ) {
            LocalDate day = java.util.Objects.requireNonNull(w.day());
            int c = PostgresStore.Place.compare(day, w.offset(), readDay, position);
            if (c < 0) {
                handed.poll();
                continue;
            }
            if (c > 0) {
                return false;
            }
            handed.poll();
            // the file is read again from after this line, should a line not handed over come next
            closeTail();
            openOffset = w.offset() + w.lineBytes() + 1;
            if (batch.isEmpty()) {
                batchStartNanos = System.nanoTime();
            }
            batch.add(new PostgresStore.Row(day, w.offset(), w.record(), Map.of()));
            batchEndDay = day;
            batchEndOffset = openOffset;
            handedRows++;
            return true;
        }
        return false;
    }

    /**
     * Whether a record reads back from its log line as it is: true unless a text of it holds a surrogate (a lone
     * one is written as {@code ?}; a pair is read back the same, but they are rare enough not to tell apart).
     * Everything else the log writes as the record holds it: ts to the millisecond as the store keeps it, fields cut
     * when the record was made.
     */
    static boolean loggedAsIs(UsageRecord r) {
        if (Utf8.hasSurrogate(r.requestId()) || Utf8.hasSurrogate(r.key()) || Utf8.hasSurrogate(r.endpoint())
                || Utf8.hasSurrogate(r.model()) || Utf8.hasSurrogate(r.pricedAs()) || Utf8.hasSurrogate(r.user())
                || Utf8.hasSurrogate(r.error()) || Utf8.hasSurrogate(r.units().serviceTier())
                || Utf8.hasSurrogate(r.units().provider())) {
            return false;
        }
        for (Map.Entry<String, String> tag : r.tags().entrySet()) {
            if (Utf8.hasSurrogate(tag.getKey()) || Utf8.hasSurrogate(tag.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Rows taken as the writer handed them over. */
    long handedRows() {
        return handedRows;
    }

    /** Rows read back from the log. */
    long readRows() {
        return readRows;
    }

    private @Nullable UsageLogTail tail() throws IOException {
        if (tail == null) {
            tail = UsageLogTail.open(dir, readDay, openOffset);
            if (tail == null && !nextDay()) {
                return null;
            }
        }
        return tail;
    }

    /** Moves on to the next day that has a file, once the current one is over; false to stay. */
    private boolean nextDay() throws IOException {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (!readDay.isBefore(today)
                || clock.instant().isBefore(readDay.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(LATE_WRITES))) {
            return false;
        }
        List<UsageLogFiles.DayFile> later = UsageLogFiles.list(dir, readDay.plusDays(1), LocalDate.MAX);
        if (later.isEmpty()) {
            return false;
        }
        closeTail();
        readDay = later.get(0).date();
        openOffset = 0;
        tail = UsageLogTail.open(dir, readDay, 0);
        return true;
    }

    private void closeStore() {
        PostgresStore s = store;
        store = null;
        if (s != null) {
            s.close();
        }
    }

    /** Stops after shipping what it can within {@code grace}; what is left stays in the log for the next start. */
    public void close(Duration grace) {
        stopDeadlineNanos = System.nanoTime() + grace.toNanos();
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(grace.plusSeconds(2).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
            log.warn("log.store: the shipper did not stop within {}s; the rest ships from the log at the next start",
                    grace.toSeconds());
        } else {
            closeTail();
            closeStore();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    private void closeTail() {
        malformedSeen = 0;
        if (tail != null) {
            try {
                tail.close();
            } catch (IOException ignored) {
                // a read-only file
            }
            tail = null;
        }
    }

    /** A day file of the backlog, with where counting starts and ends. */
    private record SizedFile(UsageLogFiles.DayFile file, long from, long to) {
    }

    /** The writer's day files past the checkpoint (plain, or gzipped once compressed), with their sizes now. */
    private static List<SizedFile> backlogFiles(Path dir, ShipCheckpoint cp) throws IOException {
        return spanFiles(dir, cp, null);
    }

    /** The day files from {@code cp} to {@code to} (null: to their ends now). */
    private static List<SizedFile> spanFiles(Path dir, ShipCheckpoint cp, @Nullable ShipCheckpoint to)
            throws IOException {
        List<SizedFile> out = new ArrayList<>();
        LocalDate last = null;
        for (UsageLogFiles.DayFile f : UsageLogFiles.list(dir, cp.day(), to == null ? LocalDate.MAX : to.day())) {
            String name = f.path().getFileName().toString();
            boolean own = name.equals(UsageLogFiles.fileName(f.date()))
                    || name.equals(UsageLogFiles.fileName(f.date()) + ".gz");
            if (!own || f.date().equals(last)) {
                // a rotated copy is not shipped; a day caught between its .gz and plain file is counted once
                continue;
            }
            last = f.date();
            long start = f.date().equals(cp.day()) ? cp.offset() : 0;
            long end = to != null && f.date().equals(to.day()) ? to.offset()
                    : f.gzip() ? Long.MAX_VALUE : Files.size(f.path());
            out.add(new SizedFile(f, start, end));
        }
        return out;
    }

    /** The lines of the backlog's files, counted by their line breaks (streamed). */
    private static long countLines(List<SizedFile> files) throws IOException {
        long n = 0;
        byte[] buf = new byte[1 << 16];
        for (SizedFile s : files) {
            try (InputStream raw = Files.newInputStream(s.file().path());
                 InputStream in = s.file().gzip() ? new GZIPInputStream(raw, 1 << 16) : raw) {
                in.skipNBytes(s.from());
                long left = s.to() - s.from();
                int r;
                while (left > 0 && (r = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                    left -= r;
                    for (int i = 0; i < r; i++) {
                        if (buf[i] == '\n') {
                            n++;
                        }
                    }
                }
            } catch (java.io.EOFException | java.nio.file.NoSuchFileException e) {
                // a checkpoint past a file's end, or a day compressed meanwhile: counted as far as it goes
            }
        }
        return n;
    }
}

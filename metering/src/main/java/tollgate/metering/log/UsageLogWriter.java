package tollgate.metering.log;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.FsyncMode;
import tollgate.config.LogConfig;

/**
 * Appends usage records to {@code <dir>/usage-YYYY-MM-DD.jsonl} (the record's UTC date) from one daemon thread,
 * behind a bounded queue that never blocks the caller.
 *
 * <pre>
 * accounting thread: appendAll(records) ──(queue of batches, at most capacity records)──▶ writer thread: JSON → day file → fsync → listeners
 * event loop (budgeted call): hold(h) ──▶ writer thread: reservations.journal, then the call is forwarded
 * accounting thread: ended(ids) (after the calls' records) ──▶ writer thread: reservations.journal
 * </pre>
 *
 * Nothing is logged on the caller's thread: drops and write failures are counted at once and logged by the writer
 * thread, once per burst.
 */
public final class UsageLogWriter implements AutoCloseable {
    static final Object CLOSE = new Object();
    private static final Logger log = LoggerFactory.getLogger(UsageLogWriter.class);
    private static final long CLOSE_TIMEOUT_SECONDS = 30;

    private final Path dir;
    private final int capacity;
    private final UsageLogCounters counters;
    // Unbounded underneath so that flush and close markers always fit; records are bounded by `queued`.
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final List<Consumer<WrittenRecord>> listeners = new CopyOnWriteArrayList<>();
    private final LongAdder written = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder droppedSinceReport = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private final UsageLogFile file;
    private boolean listenerFailureLogged; // writer thread only

    private UsageLogWriter(Path dir, FsyncMode fsync, int capacity, UsageLogCounters counters) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.dir = dir;
        this.capacity = capacity;
        this.counters = counters;
        this.file = new UsageLogFile(dir, fsync != FsyncMode.NEVER);
    }

    /** Starts the writer thread for {@code config}'s folder, fsync mode and queue capacity. */
    public static UsageLogWriter start(LogConfig config, UsageLogCounters counters) {
        return start(config.dir(), config.fsync(), config.queueCapacity(), counters, System::nanoTime);
    }

    static UsageLogWriter start(Path dir, FsyncMode fsync, int capacity, UsageLogCounters counters, LongSupplier nanoTime) {
        UsageLogWriter w = new UsageLogWriter(dir, fsync, capacity, counters);
        Thread t = new Thread(new UsageLogLoop(w, w.queue, w.queued, fsync, w.file, new ReservationJournal(dir), nanoTime),
                "tollgate-usage-log");
        t.setDaemon(true);
        t.start();
        return w;
    }

    /**
     * Queues a record without blocking. False (and one failure counted) when the queue is full or the writer is closed.
     */
    public boolean append(UsageRecord record) {
        return appendAll(List.of(record));
    }

    /**
     * Queues records as one batch, so the writer thread wakes once for all of them. Records past the queue's room
     * are lost and counted; false when any was.
     */
    public boolean appendAll(List<UsageRecord> records) {
        int n = records.size();
        if (n == 0) {
            return true;
        }
        if (closed.get()) {
            for (int i = 0; i < n; i++) {
                lost();
            }
            return false;
        }
        int room = capacity - queued.getAndAdd(n);
        int take = Math.max(0, Math.min(n, room));
        if (take < n) {
            queued.addAndGet(take - n);
            for (int i = take; i < n; i++) {
                lost();
                droppedSinceReport.increment();
            }
        }
        if (take > 0) {
            queue.offer(records.subList(0, take).toArray(new UsageRecord[0]));
        }
        return take == n;
    }

    /**
     * Journals a budget hold before its call is forwarded ({@link ReservationJournal}): completes once the hold is
     * written (and, with {@code fsync: always}, forced), in order with the records; exceptionally when it could not be.
     */
    public CompletableFuture<Void> hold(ReservationJournal.Hold hold) {
        return holdAll(List.of(hold));
    }

    /**
     * {@link #hold} for several holds at once (an event loop's admissions of one pass): one hand-off to the writer
     * thread and one completion for all of them.
     */
    public CompletableFuture<Void> holdAll(List<ReservationJournal.Hold> holds) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new IllegalStateException("usage log: closed"));
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        queue.offer(new JournalHold(List.copyOf(holds), written));
        return written;
    }

    /** The holds {@code ids} have ended: journaled after every record queued before this call. */
    public void ended(List<String> ids) {
        if (!ids.isEmpty()) {
            queue.offer(new JournalEnd(ids.toArray(new String[0])));
        }
    }

    /** Completes once every record queued before this call is written and, unless {@code fsync: never}, forced. */
    public CompletableFuture<Void> flush() {
        if (closed.get()) {
            return stopped;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.offer(new Flush(done));
        return done;
    }

    /** Stops taking records; completes once the queue is drained, written, forced and the file closed. */
    public CompletableFuture<Void> closeAsync() {
        if (closed.compareAndSet(false, true)) {
            queue.offer(CLOSE);
        }
        return stopped;
    }

    /** Graceful stop: {@link #closeAsync()} and wait for it (at most 30 s; a hung disk must not hang the shutdown). */
    @Override
    public void close() {
        try {
            closeAsync().get(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException e) {
            log.warn("usage log: still writing after {} s at shutdown; {} queued records may be lost",
                    CLOSE_TIMEOUT_SECONDS, queued.get());
        } catch (ExecutionException e) {
            log.warn("usage log: writer stopped with an error", e.getCause());
        }
    }

    /** Calls {@code listener} on the writer thread after each record is written; its exceptions are caught and logged. */
    public void addListener(Consumer<WrittenRecord> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<WrittenRecord> listener) {
        listeners.remove(listener);
    }

    public long recordsWritten() {
        return written.sum();
    }

    /** Records lost (queue full, closed, write error) plus failed fsyncs. */
    public long failures() {
        return failures.sum();
    }

    /** Records waiting in the queue. */
    public int queued() {
        return queued.get();
    }

    public Path dir() {
        return dir;
    }

    long forces() {
        return file.forces();
    }

    /** One record lost or one failed fsync. */
    void lost() {
        failures.increment();
        counters.failure();
    }

    /**
     * One record reached the file, its line at byte {@code offset} of {@code day}'s file: count it and tell the
     * listeners. Writer thread only.
     */
    void written(UsageRecord record, byte[] line, LocalDate day, long offset) {
        written.increment();
        counters.recordWritten();
        if (listeners.isEmpty()) {
            return;
        }
        WrittenRecord w = new WrittenRecord(record, line, day, offset);
        for (Consumer<WrittenRecord> l : listeners) {
            try {
                l.accept(w);
            } catch (RuntimeException e) {
                if (!listenerFailureLogged) {
                    listenerFailureLogged = true;
                    log.warn("usage log: a listener failed (logged once; later failures are ignored)", e);
                }
            }
        }
    }

    /** Records refused for a full queue since the last call. */
    long takeDropped() {
        return droppedSinceReport.sumThenReset();
    }

    int capacity() {
        return capacity;
    }

    void stopped() {
        stopped.complete(null);
    }

    record Flush(CompletableFuture<Void> done) {
    }

    record JournalHold(List<ReservationJournal.Hold> holds, CompletableFuture<Void> written) {
    }

    record JournalEnd(String[] ids) {
    }
}

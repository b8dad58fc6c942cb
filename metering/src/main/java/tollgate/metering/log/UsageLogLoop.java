package tollgate.metering.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.FsyncMode;

/**
 * The usage-log writer thread: takes batches off the queue, writes each run of same-day records with one write,
 * forces per {@link FsyncMode}, and answers flush and close markers in queue order.
 */
final class UsageLogLoop implements Runnable {
    /** SPEC 8: {@code fsync: batch} leaves at most 200 ms of records at risk on power loss. */
    static final long BATCH_FORCE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final Logger log = LoggerFactory.getLogger(UsageLogWriter.class);
    private static final int MAX_BATCH = 512;

    private final UsageLogWriter writer;
    private final LinkedBlockingQueue<Object> queue;
    private final AtomicInteger queued;
    private final FsyncMode fsync;
    private final UsageLogFile file;
    private final ReservationJournal journal;
    private final List<java.util.concurrent.CompletableFuture<Void>> holdsWritten = new ArrayList<>();
    private final LongSupplier nanoTime;
    private final List<Staged> staged = new ArrayList<>();
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private long lastForceNanos;
    private long lostInBurst;
    private long droppedInBurst;
    private boolean forceFailing;

    UsageLogLoop(UsageLogWriter writer, LinkedBlockingQueue<Object> queue, AtomicInteger queued, FsyncMode fsync,
                 UsageLogFile file, ReservationJournal journal, LongSupplier nanoTime) {
        this.writer = writer;
        this.queue = queue;
        this.queued = queued;
        this.fsync = fsync;
        this.file = file;
        this.journal = journal;
        this.nanoTime = nanoTime;
    }

    @Override
    public void run() {
        lastForceNanos = nanoTime.getAsLong();
        List<Object> batch = new ArrayList<>(MAX_BATCH);
        boolean stop = false;
        while (!stop) {
            try {
                Object first = next();
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                }
                for (Object item : batch) {
                    stop |= handle(item);
                }
                batch.clear();
                commit();
                if (stop) {
                    finish();
                } else {
                    forceIfDue();
                }
                reportDrops();
            } catch (RuntimeException e) {
                // a bug here must not stop the log for the life of the proxy, nor leave a flush or close waiting
                log.error("usage log: unexpected error in the writer thread", e);
                for (int k = 0; k < staged.size(); k++) {
                    writer.lost();
                }
                staged.clear();
                journal.dropPending();
                for (java.util.concurrent.CompletableFuture<Void> f : holdsWritten) {
                    f.completeExceptionally(e);
                }
                holdsWritten.clear();
                for (Object item : batch) {
                    if (item instanceof UsageLogWriter.Flush f) {
                        f.done().complete(null);
                    } else if (item instanceof UsageLogWriter.JournalHold h) {
                        h.written().completeExceptionally(e);
                    }
                    stop |= item == UsageLogWriter.CLOSE;
                }
                batch.clear();
                if (stop) {
                    try {
                        finish();
                    } catch (RuntimeException again) {
                        file.abandon();
                    }
                }
            }
        }
        writer.stopped();
    }

    private @Nullable Object next() {
        try {
            if (fsync == FsyncMode.BATCH && (file.dirty() || journal.dirty())) {
                long wait = lastForceNanos + BATCH_FORCE_INTERVAL_NANOS - nanoTime.getAsLong();
                return wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
            }
            return queue.take();
        } catch (InterruptedException e) {
            // only a close marker stops this thread, so that nothing queued is left behind
            return null;
        }
    }

    /** True for the close marker. */
    private boolean handle(Object item) {
        if (item instanceof UsageRecord[] batch) {
            queued.addAndGet(-batch.length);
            for (UsageRecord r : batch) {
                stage(r);
            }
            if (fsync == FsyncMode.ALWAYS) {
                commit();
            }
            return false;
        }
        if (item instanceof UsageLogWriter.JournalHold h) {
            for (ReservationJournal.Hold hold : h.holds()) {
                journal.hold(hold);
            }
            holdsWritten.add(h.written());
            return false;
        }
        if (item instanceof UsageLogWriter.JournalEnd e) {
            // ends come after their calls' records: those are staged before this, and written first by commit()
            journal.end(e.ids());
            return false;
        }
        if (item instanceof UsageLogWriter.Flush f) {
            commit();
            if (fsync != FsyncMode.NEVER) {
                force();
            }
            f.done().complete(null);
            return false;
        }
        return item == UsageLogWriter.CLOSE;
    }

    private void finish() {
        // appends that raced with close() are still written
        Object item;
        while ((item = queue.poll()) != null) {
            handle(item);
        }
        commit();
        if (fsync != FsyncMode.NEVER) {
            force();
        }
        try {
            file.close();
        } catch (IOException e) {
            log.warn("usage log: closing {}: {}", file.path(), e.toString());
        }
        try {
            // holds still open here (calls past shutdown.grace) stay in the file: the next start charges them
            journal.close();
        } catch (IOException e) {
            log.warn("usage log: closing the reservation journal: {}", e.toString());
        }
    }

    private void stage(UsageRecord r) {
        try {
            staged.add(new Staged(r, UsageRecordJson.toBytes(r), Math.floorDiv(r.ts().getEpochSecond(), 86_400L)));
        } catch (RuntimeException e) {
            failed(1, e);
        }
    }

    /** Writes the staged records, then the journal's lines, and lets the journaled holds' calls go on. */
    private void commit() {
        commitRecords();
        if (!journal.pending()) {
            return;
        }
        Throwable failure = null;
        try {
            journal.write();
            if (fsync == FsyncMode.ALWAYS) {
                journal.force();
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
            log.warn("usage log: cannot write the reservation journal: {}", e.toString());
        }
        for (java.util.concurrent.CompletableFuture<Void> f : holdsWritten) {
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure);
            }
        }
        holdsWritten.clear();
    }

    /** Writes the staged records, one write per run of records of the same day. */
    private void commitRecords() {
        int i = 0;
        while (i < staged.size()) {
            long epochDay = staged.get(i).epochDay();
            int j = i;
            buffer.clear();
            while (j < staged.size() && staged.get(j).epochDay() == epochDay) {
                put(staged.get(j).line());
                j++;
            }
            buffer.flip();
            LocalDate day = LocalDate.ofEpochDay(epochDay);
            long start;
            try {
                start = file.write(day, buffer);
            } catch (IOException | RuntimeException e) {
                file.abandon();
                failed(j - i, e);
                i = j;
                continue;
            }
            if (fsync == FsyncMode.ALWAYS) {
                force();
            }
            succeeded(staged.subList(i, j), day, start);
            i = j;
        }
        staged.clear();
    }

    private void put(byte[] bytes) {
        if (buffer.remaining() < bytes.length + 1) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes.length + 1));
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
        buffer.put(bytes).put((byte) '\n');
    }

    /** {@code done}'s lines were written to {@code day}'s file from byte {@code start} on, one after the other. */
    private void succeeded(List<Staged> done, LocalDate day, long start) {
        if (lostInBurst > 0) {
            log.info("usage log: writing to {} again, after {} lost records", file.path(), lostInBurst);
            lostInBurst = 0;
        }
        long offset = start;
        for (Staged s : done) {
            writer.written(s.record(), s.line(), day, offset);
            offset += s.line().length + 1;
        }
    }

    private void failed(int records, Exception e) {
        for (int k = 0; k < records; k++) {
            writer.lost();
        }
        if (lostInBurst == 0) {
            log.warn("usage log: cannot write to {}: {} (records are lost until a write succeeds)", writer.dir(), e.toString());
        }
        lostInBurst += records;
    }

    private void forceIfDue() {
        if (fsync == FsyncMode.BATCH && (file.dirty() || journal.dirty())
                && nanoTime.getAsLong() - lastForceNanos >= BATCH_FORCE_INTERVAL_NANOS) {
            force();
        }
    }

    private void force() {
        Path path = file.path();
        try {
            journal.force();
        } catch (IOException | RuntimeException e) {
            log.warn("usage log: fsync of the reservation journal failed: {}", e.toString());
        }
        try {
            if (file.force() && forceFailing) {
                forceFailing = false;
                log.info("usage log: fsync of {} works again", path);
            }
        } catch (IOException | RuntimeException e) {
            file.abandon();
            writer.lost();
            if (!forceFailing) {
                forceFailing = true;
                log.warn("usage log: fsync of {} failed: {} (logged once until one succeeds)", path, e.toString());
            }
        } finally {
            lastForceNanos = nanoTime.getAsLong();
        }
    }

    private void reportDrops() {
        long dropped = writer.takeDropped();
        if (dropped > 0) {
            if (droppedInBurst == 0) {
                log.warn("usage log: queue full ({} records); dropping records until it has room", writer.capacity());
            }
            droppedInBurst += dropped;
        } else if (droppedInBurst > 0) {
            log.warn("usage log: queue has room again; {} records were dropped", droppedInBurst);
            droppedInBurst = 0;
        }
    }

    private record Staged(UsageRecord record, byte[] line, long epochDay) {
    }
}

package tollgate.metering.call;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.BudgetLimit;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.BudgetScope;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.RateHold;
import tollgate.metering.budget.Reservation;
import tollgate.metering.budget.WindowState;
import tollgate.metering.log.UsageLogWriter;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.metrics.TollgateMetrics;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.BatchOutputMeter;
import tollgate.metering.usage.ResponseMeter;

/**
 * Applies each finished call's record on one thread of its own, never an I/O thread: metrics, budget
 * settlement, then the usage log.
 * <pre>
 * event loop: finish(call) ──(lock-free queue, at most capacity calls)──▶ accounting thread: recorder → metrics,
 *                                                                          settlement, one log batch per drain
 * </pre>
 * The event loop never wakes the thread while traffic flows: after a drain the thread naps for {@link #LINGER_NANOS}
 * on its own timer and drains what came meanwhile, so calls cost about a hundred wake-ups a second whatever their
 * rate, instead of one futex wake (and two context switches) per call. Only after a nap that found nothing does it
 * announce that it sleeps, and the next call wakes it. The log gets one batch per drain. Records and settlements
 * thus land at most {@code LINGER_NANOS} later than they would with a wake-up per call (bench/RESULTS.md, finding 3).
 */
public final class CallAccounting implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallAccounting.class);
    private static final int MAX_BATCH = 256;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long the thread naps after a drain before it looks again, unwoken. */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final CallRecorder recorder;
    private final Supplier<PricingTable> pricing;
    private final UsageLogWriter writer;
    private final TollgateMetrics metrics;
    private final Supplier<BudgetLedger> ledger;
    private final Clock clock;
    private final int capacity;
    private final ConcurrentLinkedQueue<FinishedCall> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final LongAdder dropped = new LongAdder();
    /** {@link #drained()} asks not yet taken up by the thread. */
    private final ConcurrentLinkedQueue<Barrier> barriers = new ConcurrentLinkedQueue<>();
    /** Calls put on the queue so far. */
    private final AtomicLong offered = new AtomicLong();
    private final BatchDownloads downloads;
    private final Thread thread;
    private volatile boolean stopping;
    /** Set once the thread has ended after {@link #close()}. */
    private volatile boolean stopped;

    public CallAccounting(CallRecorder recorder, Supplier<PricingTable> pricing, UsageLogWriter writer,
                          TollgateMetrics metrics, Supplier<BudgetLedger> ledger, Clock clock, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        this.recorder = recorder;
        this.pricing = pricing;
        this.writer = writer;
        this.metrics = metrics;
        this.ledger = ledger;
        this.clock = clock;
        this.capacity = capacity;
        this.downloads = BatchDownloads.load(writer.dir());
        this.thread = new Thread(this::run, "tollgate-accounting");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Called on the event loop when a call ends; never blocks. A full queue (or a stopped one) loses the record
     * rather than the loop: the call is counted as a usage-log failure and its reservation is released at once,
     * so it does not hold the budget until its TTL.
     */
    public boolean finish(FinishedCall call) {
        if (stopping || queued.incrementAndGet() > capacity) {
            if (!stopping) {
                queued.decrementAndGet();
            }
            refused(call);
            return false;
        }
        queue.offer(call);
        offered.incrementAndGet();
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    private void refused(FinishedCall call) {
        dropped.increment();
        metrics.usageLogCounters().failure();
        Reservation r = call.request().reservation();
        if (r != null) {
            ledger.get().release(r);
            if (r.held()) {
                writer.ended(List.of(r.id()));
            }
        }
        call.releaseBody().run();
    }

    /**
     * Completes once every call finished before this was asked is settled and has its record written to the usage
     * log (a settlement comes before its record: so a rebuild from the log that starts after this misses no call
     * settled before it). Never completes once the thread has stopped.
     */
    public CompletableFuture<Void> drained() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        barriers.offer(new Barrier(offered.get(), f));
        if (stopped) {
            answerLeftBarriers();
        }
        if (sleeping.get() && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
        return f;
    }

    private void run() {
        List<FinishedCall> batch = new ArrayList<>(MAX_BATCH);
        List<UsageRecord> records = new ArrayList<>(MAX_BATCH);
        List<String> ended = new ArrayList<>(MAX_BATCH);
        List<Barrier> due = new ArrayList<>();
        long accounted = 0;
        long droppedReported = 0;
        boolean napped = false;
        while (true) {
            for (Barrier b; (b = barriers.poll()) != null; ) {
                due.add(b);
            }
            FinishedCall c;
            while (batch.size() < MAX_BATCH && (c = queue.poll()) != null) {
                batch.add(c);
            }
            accounted += batch.size();
            if (batch.isEmpty()) {
                completeOnceWritten(due, accounted);
                if (stopping) {
                    return;
                }
                if (!napped) {
                    // traffic may still be flowing: look again after a nap nobody has to wake us from
                    napped = true;
                    LockSupport.parkNanos(this, LINGER_NANOS);
                    continue;
                }
                napped = false;
                sleeping.set(true);
                // re-check after announcing the sleep: an offer that missed the flag is seen here (no lost wake-up)
                if (queue.isEmpty() && barriers.isEmpty()) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                }
                sleeping.set(false);
                continue;
            }
            napped = false;
            queued.addAndGet(-batch.size());
            Instant now = clock.instant();
            PricingTable prices = pricing.get();
            for (FinishedCall call : batch) {
                account(call, now, prices, records);
                Reservation r = call.request().reservation();
                if (r != null && r.held()) {
                    ended.add(r.id());
                }
            }
            batch.clear();
            if (!records.isEmpty() && !writer.appendAll(records)) {
                log.warn("usage log queue full: records were dropped");
            }
            records.clear();
            // after the records: a hold's end is journaled only once its call's record is written
            writer.ended(ended);
            ended.clear();
            completeOnceWritten(due, accounted);
            long d = dropped.sum();
            if (d != droppedReported) {
                log.warn("accounting queue full ({} calls): {} usage records dropped so far", capacity, d);
                droppedReported = d;
            }
        }
    }

    /** Barriers whose calls are all accounted (their records queued) complete once the writer has written them. */
    private void completeOnceWritten(List<Barrier> due, long accounted) {
        List<CompletableFuture<Void>> ready = null;
        for (Iterator<Barrier> it = due.iterator(); it.hasNext(); ) {
            Barrier b = it.next();
            if (b.calls() <= accounted) {
                it.remove();
                (ready == null ? ready = new ArrayList<>() : ready).add(b.done());
            }
        }
        if (ready == null) {
            return;
        }
        List<CompletableFuture<Void>> now = ready;
        writer.flush().whenComplete((v, failure) -> now.forEach(f -> {
            if (failure == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(failure);
            }
        }));
    }

    /** A {@link #drained()} ask: done once the first {@code calls} calls put on the queue are accounted. */
    private record Barrier(long calls, CompletableFuture<Void> done) {
    }

    private void account(FinishedCall call, Instant now, PricingTable prices, List<UsageRecord> records) {
        try {
            MeteredRequest req = call.request();
            CallEnd end = call.end();
            CallRecorder.Recorded r = recorder.record(req, call.meter(), call.requestId(), end, now, prices);
            UsageRecord record = r.record();
            if (record == null) {
                metrics.request(req.keyId(), null, req.provider(), req.path(), end.status());
                return;
            }
            // metrics and settlement first: once a record is visible in the log, its call is in /metrics and
            // (with the local store) in the budget too. A Batch API result is a line of a downloaded file: the
            // download is the request, and the result has no latency of its own
            boolean batchResult = record.units().batch();
            if (!batchResult) {
                metrics.request(req.keyId(), record.model(), req.provider(), req.path(), end.status());
            }
            metrics.usage(record);
            if (CallRecorder.USAGE_INVALID.equals(record.error())) {
                metrics.upstreamUsageInvalid();
            } else if (ResponseMeter.UNREADABLE_ENCODING.equals(record.error())) {
                metrics.unreadableEncoding();
            }
            if (r.unpricedTier()) {
                metrics.unpricedTier(record.model());
            }
            if (!batchResult) {
                metrics.latency(req.provider(), req.path(), record.stream(), end.durationNanos(), end.ttfbNanos(),
                        end.overheadNanos());
            }
            settle(r.settlement(), record.requestId());
            RateHold rates = req.rateHold();
            if (rates != null) {
                // the tokens drawn were the prompt estimate and the most output: the bucket keeps what was used
                rates.settle(record.totalTokens());
            }
            records.add(record);
        } catch (RuntimeException e) {
            log.error("accounting failed for a call", e);
        } finally {
            call.releaseBody().run();
        }
    }

    /** Before the call's record is queued for the log: see {@link #drained()}. */
    private void settle(Settlement s, String requestId) {
        BudgetLedger l = ledger.get();
        if (s instanceof Settlement.Release r) {
            l.release(r.reservation()).thenRun(() -> gauges(l, r.reservation().budgets()));
        } else if (s instanceof Settlement.Settle st) {
            l.settle(st.reservation(), st.usd(), st.tokens(), requestId)
                    .thenRun(() -> gauges(l, st.reservation().budgets()));
        } else if (s instanceof Settlement.Record rec) {
            l.record(rec.budgets(), rec.usd(), rec.tokens(), requestId).thenRun(() -> gauges(l, rec.budgets()));
        }
    }

    /**
     * Budget gauges of SPEC 9 from what the ledger last saw; no store round trip. Keys only: a user or tag value
     * must not become a label (SPEC 11, bounded cardinality).
     */
    private void gauges(BudgetLedger l, CallBudgets budgets) {
        for (CallBudgets.Scoped s : budgets.scopes()) {
            if (s.scope().kind() != BudgetScope.Kind.KEY) {
                continue;
            }
            String keyId = s.scope().name();
            for (BudgetLimit limit : s.budget().limits()) {
                WindowState st = l.lastKnown(s.scope(), limit.window());
                BigDecimal lim = st == null ? null : st.limitUsd();
                BigDecimal remaining = lim == null ? null : st.remainingUsd();
                if (remaining != null) {
                    metrics.budget(keyId, limit.window().id(), lim, st.spentUsd(), remaining, st.resetsAt(),
                            l.settings().clock());
                }
            }
        }
    }

    /**
     * One result of a downloaded Batch API output file ({@code fileId}): accounted as a call of its own the first time
     * the file's results get this far, and not again when the file is downloaded again (OpenAI bills a result once).
     * On the event loop; never blocks.
     *
     * @return false for a result an earlier download metered
     */
    public boolean finishBatchResult(MeteredRequest download, String fileId, BatchOutputMeter.Result result) {
        if (!downloads.firstTime(fileId, result.index())) {
            metrics.batchResultsMeteredBefore(1);
            return false;
        }
        return finish(BatchResult.finished(download, result));
    }

    /**
     * A batch output file's download is about to be forwarded: completes once how far {@code fileId} was metered before
     * is in memory (read from its file on this accounting thread when it is not: never on the event loop), so a
     * re-download of a file the cache let go is not billed again. Each is followed by one {@link #batchDownloadEnded}.
     */
    public CompletableFuture<Void> batchDownloadBegins(String fileId) {
        if (stopped) {
            return CompletableFuture.completedFuture(null);
        }
        return drained().thenRun(() -> downloads.begin(fileId));
    }

    /** A batch output file's download ended: how far it was metered is kept once its records are in the log. */
    public void batchDownloadEnded(String fileId) {
        drained().thenRun(() -> downloads.end(fileId));
    }

    /** Results of output file {@code fileId} metered so far, here or before a restart. */
    public long batchResultsMetered(String fileId) {
        return downloads.metered(fileId);
    }

    /**
     * A downloaded batch output file had lines that could not be read: counted (a metric is lock-free, so this may run
     * on the event loop).
     */
    public void batchLinesUnparsed(long lines) {
        if (lines > 0) {
            metrics.batchLinesUnparsed(lines);
        }
    }

    /** Calls whose record was lost to a full (or stopped) queue. */
    public long dropped() {
        return dropped.sum();
    }

    /** Accounts every call queued so far, then stops (graceful stop); waits at most 10 s. */
    @Override
    public void close() {
        stopping = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("accounting did not finish in 10s; {} records may be missing", queued.get());
        } else {
            stopped = true;
            answerLeftBarriers();
        }
    }

    /** {@link #drained()} asks the stopped thread will not take up: everything queued is accounted, so they are done. */
    private void answerLeftBarriers() {
        for (Barrier b; (b = barriers.poll()) != null; ) {
            b.done().complete(null);
        }
    }
}

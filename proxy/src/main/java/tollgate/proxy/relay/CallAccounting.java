package tollgate.proxy.relay;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.log.UsageLogWriter;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.metrics.TollgateMetrics;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.Usage;

/**
 * Turns each finished call into its one usage record, on a small pool of its own (never an I/O thread):
 * exact usage or an estimate with the model's tokenizer, the price, the JSONL line, the metrics and the
 * budget settlement.
 */
public final class CallAccounting implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CallAccounting.class);

    private final Supplier<MeteringState> state;
    private final TokenEstimator estimator;
    private final UsageLogWriter writer;
    private final TollgateMetrics metrics;
    private final Supplier<BudgetLedger> ledger;
    private final Clock clock;
    private final ExecutorService pool;
    private final AtomicLong dropped = new AtomicLong();

    public CallAccounting(Supplier<MeteringState> state, TokenEstimator estimator, UsageLogWriter writer,
                          TollgateMetrics metrics, Supplier<BudgetLedger> ledger, Clock clock, int queueCapacity) {
        this.state = state;
        this.estimator = estimator;
        this.writer = writer;
        this.metrics = metrics;
        this.ledger = ledger;
        this.clock = clock;
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
        this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity), r -> {
            Thread t = new Thread(r, "tollgate-accounting");
            t.setDaemon(true);
            return t;
        });
    }

    /** Called on the event loop when a call ends; the work happens on the accounting pool. */
    void finish(MeteredCall.FinishedCall call) {
        Instant end = clock.instant();
        try {
            pool.execute(() -> account(call, end));
        } catch (RejectedExecutionException e) {
            // bounded: a full queue loses this record rather than blocking the event loop
            dropped.incrementAndGet();
            metrics.usageLogCounters().failure();
            log.warn("accounting queue full: a call's usage record was dropped ({} so far)", dropped.get());
        }
    }

    private void account(MeteredCall.FinishedCall call, Instant end) {
        try {
            ExchangeResult r = call.result();
            RequestInfo req = call.request();
            ResponseMeter meter = call.meter();
            if (req == null) {
                metrics.request(call.keyId(), null, call.path(), r.status());
                return;
            }
            Outcome outcome = r.outcome();
            boolean answered = meter != null;
            boolean success = answered && r.status() >= 200 && r.status() < 300;
            Usage usage = meter == null ? null : meter.usage();
            boolean estimated = false;
            if (usage == null || (outcome != Outcome.COMPLETE && !meter.streamCompleted())) {
                if (success || (outcome == Outcome.CLIENT_GONE && r.upstreamSentNanos() > 0)) {
                    // no usage from the upstream, a stream cut short, or a client gone after the upstream had the
                    // request (it bills the prompt): count with the model's tokenizer (SPEC 5)
                    usage = estimate(req, meter);
                    estimated = true;
                } else {
                    usage = usage == null ? Usage.ZERO : usage;
                }
            }
            String responseModel = meter == null ? null : meter.model();
            String model = responseModel != null ? responseModel : req.model();
            MeteringState s = state.get();
            PricedModel priced = s.pricing().resolve(responseModel, req.model());
            BigDecimal cost = priced == null ? null : CostCalculator.cost(priced.price(), usage);
            String error = errorOf(outcome, r.status(), meter);
            UsageRecord record = new UsageRecord(end, call.requestId() != null ? call.requestId() : newRequestId(),
                    call.keyId(), req.endpoint().path(), model, priced == null ? null : priced.name(), req.stream(),
                    r.status(), usage.inputTokens(), usage.cachedInputTokens(), usage.outputTokens(), usage.reasoningTokens(),
                    usage.totalTokens(), estimated, cost, r.durationNanos() / 1_000_000, r.ttfbNanos() / 1_000_000,
                    call.user(), call.tags(), error);
            // metrics and settlement first: once a record is visible in the log, its call is in /metrics and
            // (with the local store) in the budget too
            metrics.request(call.keyId(), model, call.path(), r.status());
            metrics.usage(record);
            metrics.latency(call.path(), req.stream(), r.durationNanos(), r.ttfbNanos(), r.overheadNanos());
            settle(call, cost == null ? BigDecimal.ZERO : cost, usage.totalTokens());
            if (!writer.append(record)) {
                log.warn("usage log queue full: a record was dropped");
            }
        } catch (RuntimeException e) {
            log.error("accounting failed for a call", e);
        }
    }

    private Usage estimate(RequestInfo req, @Nullable ResponseMeter meter) {
        long prompt = estimator.promptTokens(req.model(), req.endpoint(), req.body());
        long output = meter == null ? 0 : estimator.countText(meter.model() != null ? meter.model() : req.model(), meter.streamedText());
        return new Usage(prompt, 0, output, 0);
    }

    private void settle(MeteredCall.FinishedCall call, BigDecimal cost, long tokens) {
        BudgetLedger l = ledger.get();
        if (call.budget().isEmpty()) {
            return;
        }
        java.util.concurrent.CompletableFuture<Void> done;
        if (call.reservation() != null) {
            done = cost.signum() == 0 && tokens == 0 ? l.release(call.reservation()) : l.settle(call.reservation(), cost, tokens);
        } else {
            done = l.record(call.keyId(), call.budget(), cost, tokens);
        }
        done.thenRun(() -> gauges(l, call.keyId(), call.budget()));
    }

    /** Budget gauges of SPEC 9 from what the ledger last saw; no store round trip. */
    private void gauges(BudgetLedger l, String keyId, tollgate.metering.budget.KeyBudget budget) {
        for (tollgate.config.BudgetLimit limit : budget.limits()) {
            tollgate.metering.budget.WindowState st = l.lastKnown(keyId, limit.window());
            if (st != null && st.limitUsd() != null && st.remainingUsd() != null) {
                metrics.budget(keyId, limit.window().id(), st.limitUsd(), st.spentUsd(), st.remainingUsd());
            }
        }
    }

    private static @Nullable String errorOf(Outcome outcome, int status, @Nullable ResponseMeter meter) {
        if (outcome != Outcome.COMPLETE) {
            return outcome.errorCode();
        }
        if (status >= 200 && status < 300) {
            return meter != null && meter.errorCode() != null ? meter.errorCode() : null;
        }
        String code = meter == null ? null : meter.errorCode();
        return code != null ? code : "http_" + status;
    }

    private static String newRequestId() {
        return "tg-" + UUID.randomUUID();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Waits for queued accounting to finish (graceful stop), up to {@code millis}. */
    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("accounting did not finish in 10s; {} records may be missing", pool.shutdownNow().size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

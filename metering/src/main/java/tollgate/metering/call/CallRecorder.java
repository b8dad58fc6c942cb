package tollgate.metering.call;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.Usage;

/**
 * Every rule of what a call costs: whether its counts are the upstream's or an estimate, the error it is logged
 * with, its price, and what it does to its budgets; and before forwarding, its worst case. Pure but for the
 * tokenizer, so it runs on the accounting thread (never an I/O thread) and is tested with plain values.
 */
public final class CallRecorder {
    /** The error of a call whose upstream usage broke {@link #plausible}: it is recorded as an estimate. */
    public static final String USAGE_INVALID = "upstream_usage_invalid";

    private final TokenEstimator estimator;
    private final long maxUsageTokens;

    public CallRecorder(TokenEstimator estimator) {
        this(estimator, tollgate.config.Limits.DEFAULT_MAX_USAGE_TOKENS);
    }

    /** @param maxUsageTokens {@code limits.max_usage_tokens}: no count of one call's usage may pass it */
    public CallRecorder(TokenEstimator estimator, long maxUsageTokens) {
        this.estimator = estimator;
        this.maxUsageTokens = maxUsageTokens;
    }

    /** The one record of a finished call (null for a call that is not metered) and its settlement. */
    public record Recorded(@Nullable UsageRecord record, Settlement settlement, BigDecimal costUsd) {}

    /** The worst case of a call about to be forwarded (SPEC 7): the estimated prompt plus the output cap. */
    public record WorstCase(BigDecimal usd, long tokens) {}

    public Recorded record(MeteredRequest call, @Nullable ResponseMeter meter, @Nullable String requestId, CallEnd end,
                           Instant endedAt, PricingTable pricing) {
        RequestInfo req = call.request();
        if (req == null) {
            return new Recorded(null, Settlement.NONE, BigDecimal.ZERO);
        }
        Outcome outcome = end.outcome();
        boolean success = meter != null && end.status() >= 200 && end.status() < 300;
        Usage usage = meter == null ? null : meter.usage();
        boolean estimated = false;
        boolean invalid = usage != null && !plausible(usage);
        if (invalid) {
            // the upstream's numbers are not believed (negative, fractional, absurd, parts above their whole):
            // the call is counted as tollgate would count it without them, and never reaches a ledger as sent
            usage = estimate(req, meter);
            estimated = true;
        } else if (usage == null || (outcome != Outcome.COMPLETE && !meter.streamCompleted())) {
            if (success || (outcome.clientLeft() && end.forwarded())) {
                // no usage from the upstream, a stream cut short, or a client gone after the upstream had the
                // request (it bills the prompt): count with the model's tokenizer (SPEC 5)
                usage = estimate(req, meter);
                estimated = true;
            } else if (usage == null) {
                usage = Usage.ZERO;
            }
        }
        String responseModel = meter == null ? null : meter.model();
        String model = responseModel != null ? responseModel : req.model();
        PricedModel priced = pricing.resolve(responseModel, req.model());
        if (priced == null && call.priceAs() != null) {
            priced = pricing.resolve(null, call.priceAs());
        }
        BigDecimal cost = priced == null ? null : CostCalculator.cost(priced.price(), usage);
        UsageRecord record = new UsageRecord(endedAt, requestId != null ? requestId : newRequestId(),
                call.keyId(), req.endpoint().path(), model, priced == null ? null : priced.name(), req.stream(),
                end.status(), usage.inputTokens(), usage.cachedInputTokens(), usage.outputTokens(),
                usage.reasoningTokens(), usage.totalTokens(), estimated, cost, end.durationNanos() / 1_000_000,
                end.ttfbNanos() / 1_000_000, call.user(), call.tags(),
                invalid && outcome == Outcome.COMPLETE ? USAGE_INVALID : errorOf(outcome, end.status(), meter));
        BigDecimal spent = cost == null ? BigDecimal.ZERO : cost;
        return new Recorded(record, settlement(call, spent, usage.totalTokens()), spent);
    }

    /**
     * The worst case to reserve before forwarding: prompt + the output cap (the request's, else the model's) for
     * every answer the upstream generates ({@code n}, {@code best_of}: {@link RequestInfo#choices()}).
     */
    public static WorstCase worstCase(RequestInfo req, @Nullable PricedModel priced, long promptTokens) {
        long cap = req.maxOutputTokens() != null ? req.maxOutputTokens()
                : priced != null && priced.price().maxOutputTokens() != null ? priced.price().maxOutputTokens() : 0L;
        long maxOut = saturatedMultiply(cap, req.choices());
        BigDecimal usd = priced == null ? BigDecimal.ZERO : CostCalculator.worstCase(priced.price(), promptTokens, maxOut);
        return new WorstCase(usd, saturatedAdd(promptTokens, maxOut));
    }

    /**
     * Counts an upstream could really have billed: each within {@code limits.max_usage_tokens}, cached within input,
     * reasoning within output.
     */
    boolean plausible(Usage u) {
        return u.inputTokens() <= maxUsageTokens && u.outputTokens() <= maxUsageTokens
                && u.cacheCreationInputTokens() <= maxUsageTokens && u.cachedInputTokens() <= u.inputTokens()
                && u.reasoningTokens() <= u.outputTokens();
    }

    private static long saturatedMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** What a call does to its budget: nothing, release, settle to the real cost, or (after mode) record it. */
    static Settlement settlement(MeteredRequest call, BigDecimal usd, long tokens) {
        if (call.budget().isEmpty()) {
            return Settlement.NONE;
        }
        if (call.reservation() != null) {
            return usd.signum() == 0 && tokens == 0 ? new Settlement.Release(call.reservation())
                    : new Settlement.Settle(call.reservation(), usd, tokens);
        }
        return new Settlement.Record(call.keyId(), call.budget(), usd, tokens);
    }

    private Usage estimate(RequestInfo req, @Nullable ResponseMeter meter) {
        long prompt = estimator.promptTokens(req.model(), req.endpoint(), req.body());
        long output = meter == null ? 0
                : estimator.countText(meter.model() != null ? meter.model() : req.model(), meter.streamedText());
        return new Usage(prompt, 0, output, 0);
    }

    /** SPEC 8's {@code error}: tollgate's reason, else the upstream's error code or {@code http_<status>}. */
    static @Nullable String errorOf(Outcome outcome, int status, @Nullable ResponseMeter meter) {
        if (outcome != Outcome.COMPLETE) {
            return outcome.errorCode();
        }
        String code = meter == null ? null : meter.errorCode();
        if (status >= 200 && status < 300) {
            return code;
        }
        return code != null ? code : "http_" + status;
    }

    private static String newRequestId() {
        return "tg-" + UUID.randomUUID();
    }
}

package tollgate.metering.call;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageUnits;
import tollgate.metering.pricing.Billable;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * Every rule of what a call costs: whether its counts are the upstream's or an estimate, the error it is logged
 * with, its price, and what it does to its budgets; and before forwarding, its worst case. Pure but for the
 * tokenizer, so it runs on the accounting thread (never an I/O thread) and is tested with plain values.
 */
public final class CallRecorder {
    /** The error of a call whose upstream usage broke {@link #plausible}: it is recorded as an estimate. */
    public static final String USAGE_INVALID = "upstream_usage_invalid";
    private static final String SEARCH_PREVIEW = "-search-preview";

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

    /**
     * The one record of a finished call (null for a call that is not metered) and its settlement.
     *
     * @param unpricedTier the response named a service tier its model has no price for: billed at standard prices
     */
    public record Recorded(@Nullable UsageRecord record, Settlement settlement, BigDecimal costUsd, boolean unpricedTier) {}

    /** The worst case of a call about to be forwarded (SPEC 7): the estimated prompt plus the output cap. */
    public record WorstCase(BigDecimal usd, long tokens) {}

    public Recorded record(MeteredRequest call, @Nullable ResponseMeter meter, @Nullable String requestId, CallEnd end,
                           Instant endedAt, PricingTable pricing) {
        RequestInfo req = call.request();
        if (req == null) {
            return new Recorded(null, Settlement.NONE, BigDecimal.ZERO, false);
        }
        Outcome outcome = end.outcome();
        boolean success = meter != null && end.status() >= 200 && end.status() < 300;
        Usage usage = meter == null ? null : meter.usage();
        boolean estimated = false;
        boolean invalid = usage != null && !plausible(usage);
        // an Anthropic stream is whole only with its message_stop (streaming docs): one that ends without it, and
        // without an error event, was cut, whatever the HTTP framing said (SPEC 13, issue 19 "Bad input")
        boolean messagesCut = success && req.endpoint() == Endpoint.MESSAGES && meter.isStream()
                && !meter.streamCompleted();
        if (invalid) {
            // the upstream's numbers are not believed (negative, fractional, absurd, parts above their whole):
            // the call is counted as tollgate would count it without them, and never reaches a ledger as sent
            usage = req.endpoint().isText() ? estimate(req, meter) : Usage.ZERO;
            estimated = true;
        } else if (usage == null || messagesCut || (outcome != Outcome.COMPLETE && !meter.streamCompleted())) {
            if (req.endpoint().isText() && (success || (outcome.clientLeft() && end.forwarded()))) {
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
        PricedModel priced = pricing.resolve(call.provider(), responseModel, req.model());
        if (priced == null && call.priceAs() != null) {
            priced = pricing.resolve(null, call.priceAs());
        }
        String tier = meter == null ? null : meter.serviceTier();
        UnitCounts counts = counts(req, meter, model, usage, success);
        BigDecimal cost = cost(req, priced, new Billable(usage, counts, tier, req.imageOption()), success);
        if (call.trustProviderCost() && !estimated && usage.providerCostUsd() != null) {
            // the route trusts its provider's own bill (OpenRouter's usage.cost, SPEC 13): it is the call's cost
            BigDecimal billed = usage.providerCostUsd().stripTrailingZeros();
            cost = billed.scale() < 0 ? billed.setScale(0) : billed;
        }
        boolean unpricedTier = priced != null && !CostCalculator.tierPriced(priced.price(), tier, usage.inputTokens());
        UsageRecord record = new UsageRecord(endedAt, requestId != null ? requestId : newRequestId(),
                call.keyId(), endpoint(call), model, priced == null ? null : priced.name(), req.stream(),
                end.status(), usage.inputTokens(), usage.cachedInputTokens(), usage.outputTokens(),
                usage.reasoningTokens(), usage.totalTokens(), estimated, cost, end.durationNanos() / 1_000_000,
                end.ttfbNanos() / 1_000_000, call.user(), call.tags(),
                invalid && outcome == Outcome.COMPLETE ? USAGE_INVALID
                        : messagesCut && outcome == Outcome.COMPLETE && meter.errorCode() == null
                        ? Outcome.UPSTREAM_CUT.errorCode() : errorOf(outcome, end.status(), meter),
                new UsageUnits(counts, tier, call.provider(), meter != null && meter.batch()), call.trace());
        BigDecimal spent = cost == null ? BigDecimal.ZERO : cost;
        return new Recorded(record, settlement(call, spent, usage.totalTokens()), spent, unpricedTier);
    }

    /**
     * Moderations are free (OpenAI pricing: "free to use"); a call to any other API endpoint is unpriced, never
     * guessed; every other call is priced by the one cost function. A
     * successful call to a model priced per image, minute or character whose answer showed none of them and no
     * tokens (a transcription asked for plain text: no duration) has no known price: null, never $0.
     */
    private static @Nullable BigDecimal cost(RequestInfo req, @Nullable PricedModel priced, Billable b, boolean success) {
        if (req.endpoint() == Endpoint.MODERATIONS) {
            return BigDecimal.ZERO;
        }
        if (priced == null || req.endpoint() == Endpoint.OTHER) {
            return null;
        }
        UnitCounts n = b.units();
        boolean measured = n.images() > 0 || n.audioSeconds().signum() > 0 || n.characters() > 0
                || b.tokens().inputTokens() > 0 || b.tokens().outputTokens() > 0;
        if (success && priced.price().units().perUnit() && priced.price().units().perCall() == null && !measured) {
            return null;
        }
        return CostCalculator.cost(priced.price(), b);
    }

    /** SPEC 12's units of a call, from its usage, its answer and its request. */
    private static UnitCounts counts(RequestInfo req, @Nullable ResponseMeter meter, @Nullable String model, Usage u,
                                     boolean success) {
        long searches = meter == null ? 0 : meter.webSearchCalls();
        if (searches == 0 && success && req.endpoint() == Endpoint.CHAT_COMPLETIONS && model != null
                && model.contains(SEARCH_PREVIEW)) {
            // the Chat Completions search models search on every call, billed per call (OpenAI pricing, tool fees)
            searches = 1;
        }
        BigDecimal seconds = meter == null || meter.audioSeconds() == null ? BigDecimal.ZERO : meter.audioSeconds();
        long characters = success ? req.characters() : 0;
        // an Images API usage without output details counts image tokens only (API reference, ImagesResponse.usage)
        long imageOut = u.imageOutputTokens() == 0 && req.endpoint().isImages() ? u.outputTokens() : u.imageOutputTokens();
        return new UnitCounts(u.cacheCreationInputTokens(), u.audioInputTokens(), u.audioOutputTokens(),
                imageOut, searches, meter == null ? 0 : meter.images(), seconds, characters, u.cacheWrite1hTokens());
    }

    /**
     * The worst case to reserve before forwarding: prompt + the output cap (the request's, else the model's) for
     * every answer the upstream generates ({@code n}, {@code best_of}: {@link RequestInfo#choices()}).
     */
    public static WorstCase worstCase(RequestInfo req, @Nullable PricedModel priced, long promptTokens) {
        long cap = req.maxOutputTokens() != null ? req.maxOutputTokens()
                : priced != null && priced.price().maxOutputTokens() != null ? priced.price().maxOutputTokens() : 0L;
        long maxOut = saturatedMultiply(cap, req.choices());
        BigDecimal usd = priced == null ? BigDecimal.ZERO
                : CostCalculator.worstCase(priced.price(), promptTokens, maxOut, req.serviceTier())
                        .add(unitWorstCase(req, priced));
        return new WorstCase(usd, saturatedAdd(promptTokens, maxOut));
    }

    /** Web searches a Responses call with a web search tool is assumed to make when it sets no {@code max_tool_calls}. */
    static final long DEFAULT_WEB_SEARCHES = 10;
    /** The fewest bytes a second of uploaded audio takes (8 kbit/s): a transcription lasts at most its bytes / this. */
    static final long MIN_AUDIO_BYTES_PER_SECOND = 1_000;

    /**
     * What a call's own units may cost beyond its tokens, each priced by the one cost function: a per-call price;
     * the {@code n} images an Images call asks for (at the size and quality asked, else the model's dearest image);
     * a speech call's characters; the minutes an uploaded file can hold at 8 kbit/s; the web searches a call may run
     * (one for a {@code -search-preview} chat model; {@code max_tool_calls}, else {@value #DEFAULT_WEB_SEARCHES}, for
     * a request offering a web search tool). A unit the model has no price for adds nothing here.
     */
    static BigDecimal unitWorstCase(RequestInfo req, PricedModel priced) {
        Endpoint e = req.endpoint();
        long images = e.isImages() ? req.choices() : 0;
        long characters = e == Endpoint.AUDIO_SPEECH ? req.characters() : 0;
        BigDecimal seconds = e.isTranscription()
                ? BigDecimal.valueOf((req.bodyBytes() + MIN_AUDIO_BYTES_PER_SECOND - 1) / MIN_AUDIO_BYTES_PER_SECOND)
                : BigDecimal.ZERO;
        long searches = 0;
        if (req.webSearchTool()) {
            searches = req.maxToolCalls() != null ? req.maxToolCalls() : DEFAULT_WEB_SEARCHES;
        } else if (e == Endpoint.CHAT_COMPLETIONS && req.model() != null && req.model().contains(SEARCH_PREVIEW)) {
            searches = 1;
        }
        BigDecimal perCall = priced.price().units().perCall() == null ? BigDecimal.ZERO : priced.price().units().perCall();
        if (images == 0 && characters == 0 && seconds.signum() == 0 && searches == 0) {
            // a call of tokens alone (nearly every one): nothing to price but its per-call price
            return perCall;
        }
        BigDecimal usd = perCall;
        UnitCounts[] each = {
            new UnitCounts(0, 0, 0, 0, 0, images, BigDecimal.ZERO, 0),
            new UnitCounts(0, 0, 0, 0, 0, 0, BigDecimal.ZERO, characters),
            new UnitCounts(0, 0, 0, 0, 0, 0, seconds, 0),
            new UnitCounts(0, 0, 0, 0, searches, 0, BigDecimal.ZERO, 0),
        };
        for (UnitCounts units : each) {
            if (units.equals(UnitCounts.ZERO)) {
                continue;
            }
            BigDecimal c = CostCalculator.cost(priced.price(), new Billable(Usage.ZERO, units, null, req.imageOption()));
            if (c != null) {
                usd = usd.add(c.subtract(perCall));
            } else if (units.images() > 0) {
                // an image size or quality the table does not price: the dearest image it does, for every image asked
                BigDecimal dearest = priced.price().units().perImage().values().stream().max(BigDecimal::compareTo)
                        .orElse(BigDecimal.ZERO);
                usd = usd.add(dearest.multiply(BigDecimal.valueOf(units.images())));
            }
        }
        return usd;
    }

    /**
     * Counts an upstream could really have billed: each within {@code limits.max_usage_tokens}, cached within input,
     * reasoning within output.
     */
    boolean plausible(Usage u) {
        return u.inputTokens() <= maxUsageTokens && u.outputTokens() <= maxUsageTokens
                && u.cacheCreationInputTokens() <= maxUsageTokens && u.cachedInputTokens() <= u.inputTokens()
                && u.reasoningTokens() <= u.outputTokens() && u.audioInputTokens() <= maxUsageTokens
                && u.audioOutputTokens() <= maxUsageTokens && u.imageOutputTokens() <= maxUsageTokens
                && u.webSearchRequests() <= maxUsageTokens;
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
        return new Settlement.Record(call.budget(), usd, tokens);
    }

    /**
     * Counts made by tollgate. An Anthropic stream reports its exact input, cache reads and cache writes in
     * {@code message_start}, before any text: those are kept, and only the output is estimated, from the text
     * streamed (with OpenAI's o200k_base tokenizer, as Claude's is not public: an approximation), never below the last
     * cumulative {@code output_tokens} the stream reported.
     */
    private Usage estimate(RequestInfo req, @Nullable ResponseMeter meter) {
        Usage reported = meter == null ? null : meter.usage();
        if (req.endpoint() == Endpoint.MESSAGES && reported != null && plausible(reported)) {
            String model = meter.model() != null ? meter.model() : req.model();
            long out = Math.max(meter.reportedOutputTokens(), estimator.countText(model, meter.streamedText()));
            return new Usage(reported.inputTokens(), reported.cachedInputTokens(), out, 0,
                    reported.cacheCreationInputTokens(), 0, 0, 0, 0, reported.cacheWrite1hTokens());
        }
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

    /** The record's endpoint: a metered endpoint's path, else the call's own path without its query. */
    private static String endpoint(MeteredRequest call) {
        Endpoint e = call.request() == null ? Endpoint.OTHER : call.request().endpoint();
        if (e != Endpoint.OTHER) {
            return e.path();
        }
        int q = call.path().indexOf('?');
        return q < 0 ? call.path() : call.path().substring(0, q);
    }

    private static String newRequestId() {
        return "tg-" + UUID.randomUUID();
    }
}

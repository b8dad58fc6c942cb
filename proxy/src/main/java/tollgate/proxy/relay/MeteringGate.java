package tollgate.proxy.relay;

import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.log.ReservationJournal;
import tollgate.metering.budget.Reservation;
import java.util.function.Function;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tollgate.metering.budget.BudgetDecision;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.BudgetScope;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.CallRates;
import tollgate.metering.budget.RateDecision;
import tollgate.metering.budget.RateHold;
import tollgate.metering.budget.RateLimiter;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.key.ApiKeys;
import tollgate.metering.key.KeyIdentity;
import tollgate.metering.call.CallAccounting;
import tollgate.config.UnpricedPolicy;
import tollgate.metering.call.CallRecorder;
import tollgate.metering.call.Outcome;
import tollgate.metering.call.MeteredRequest;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.usage.BatchOutputMeter;
import tollgate.metering.usage.BodySplice;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.FieldCap;
import tollgate.metering.usage.RequestInfo;
import tollgate.proxy.server.ErrorResponses;

/**
 * Admits each call: identifies the key (SPEC 3), refuses unknown keys under {@code keys_required}, reads the
 * request once (SPEC 4–5), adds {@code stream_options.include_usage} (SPEC 2), swaps in a virtual key's
 * upstream credential, and reserves the worst case against the budgets of every scope the call falls in (SPEC 7,
 * 11: key, user, tag values, model, global; one reservation) before anything is forwarded, after drawing on the
 * rate limits of its key, user and all traffic (SPEC 11). Answers 401 {@code invalid_api_key}, 429
 * {@code rate_limit_exceeded} and 429 {@code budget_exceeded} (naming the scope) itself.
 */
public final class MeteringGate implements CallGate {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MeteringGate.class);
    private static final String TAG_PREFIX = "x-tollgate-tag-";
    private static final int MAX_TAGS = 10;

    private final Supplier<MeteringState> state;
    private final CallAccounting accounting;
    private final TokenEstimator estimator;
    private final Supplier<BudgetLedger> ledger;
    private final Supplier<RateLimiter> limiter;
    private final Clock clock;
    private final Function<ReservationJournal.Hold, CompletableFuture<Void>> journal;

    /** @param journal journals a budget hold before its call is forwarded ({@code UsageLogWriter::hold}) */
    public MeteringGate(Supplier<MeteringState> state, CallAccounting accounting, TokenEstimator estimator,
                        Supplier<BudgetLedger> ledger, Supplier<RateLimiter> limiter, Clock clock,
                        Function<ReservationJournal.Hold, CompletableFuture<Void>> journal) {
        this.state = state;
        this.accounting = accounting;
        this.estimator = estimator;
        this.ledger = ledger;
        this.limiter = limiter;
        this.clock = clock;
        this.journal = journal;
    }

    @Override
    public CompletionStage<Admission> admit(CallRequest call) {
        MeteringState s = state.get();
        HttpHeaders h = call.headers();
        String raw = ApiKeys.fromHeaders(h::get);
        KeyIdentity id = s.keys().identify(raw);
        if (s.config().keysRequired() && !id.known()) {
            return done(refuse401(raw == null ? "missing API key: send it as Authorization: Bearer <key>"
                    : "the API key is not known to tollgate (keys_required is on)"));
        }
        String upstreamKey = s.keys().upstreamKey(id);
        String upstreamAuth = upstreamKey == null ? null : "Bearer " + upstreamKey;
        Map<String, String> tags = tags(h);
        // a POST to any /v1/ path is recorded (SPEC 12: other endpoints unpriced); everything else is counted only
        Endpoint endpoint = HttpMethod.POST.name().equals(call.method()) ? Endpoint.ofApiPath(call.path()) : null;
        if (endpoint == null) {
            MeteredRequest unmetered = MeteredRequest.unmetered(id.id(), call.path(), tags);
            String download = BatchOutputMeter.downloadId(call.path());
            if (download != null) {
                // the results of a batch output file are charged to the budgets of the key that downloads it
                String user = FieldCap.cap(h.get("x-tollgate-user"));
                unmetered = new MeteredRequest(id.id(), call.path(), null, false, user, tags,
                        s.budgetsOf(id.id(), user, tags, null), null);
            }
            MeteredCall tap = new MeteredCall(accounting, unmetered);
            // another method on a metered path (GET /v1/chat/completions) is not metered, so it never carries
            // a virtual key's real upstream key: the caller's own key goes, as sent
            boolean meteredPath = Endpoint.ofPath(call.path()) != null;
            Admission forward = new Admission.Forward(tap, null, meteredPath ? null : upstreamAuth, Map.of(), false);
            if (download == null) {
                return done(forward);
            }
            // how far an earlier download metered this file is in memory before its results pass (read off the loop)
            return accounting.batchDownloadBegins(download).handle((ready, failure) -> {
                if (failure != null) {
                    log.warn("batch downloads: {} (the download goes on, metered from what is in memory)",
                            failure.toString());
                }
                return forward;
            });
        }
        // the body's own buffers, scanned in place for its top-level fields (no copy, no tree)
        // Azure OpenAI names the model by its deployment in the path (SPEC 13): it stands in when the body names none
        RequestInfo req = RequestInfo.parse(endpoint, call.body()).withDeploymentModel(Endpoint.azureDeployment(call.path()))
                .withBodyBytes(call.bodyBytes());
        boolean inject = s.config().injectStreamUsage() && req.needsUsageInjection();
        BodySplice body = inject ? req.usageSplice() : null;
        String user = req.user() != null ? req.user() : FieldCap.cap(h.get("x-tollgate-user"));
        // the route's provider prices first (anthropic/claude-x before claude-x), as CallRecorder bills the call
        PricedModel resolved = s.pricing().resolve(call.provider(), null, req.model());
        CallBudgets budgets = s.budgetsOf(id.id(), user, tags, resolved == null ? null : resolved.name());
        CallRates rates = s.ratesOf(id.id(), user);
        BudgetLedger l = ledger.get();
        MeteredRequest metered = new MeteredRequest(id.id(), call.path(), req, inject, user, tags, budgets, null)
                .withTrace(h.get("traceparent"), h.get("tracestate"));
        if (req.conflictingModel() != null) {
            return done(refuseConflictingModel(req, new MeteredCall(accounting, metered.withoutBudget())));
        }
        if (budgets.isEmpty() && rates.isEmpty()) {
            return done(new Admission.Forward(new MeteredCall(accounting, metered, call.holdBody().retain()), body,
                    upstreamAuth, Map.of(), true));
        }
        MeteredRequest admitted = metered;
        if (resolved == null && !budgets.isEmpty()) {
            // a budgeted call that would reserve and add $0: budgets.unpriced decides (issue 17, item 3)
            UnpricedPolicy policy = s.config().budgets().unpriced();
            if (policy.kind() == UnpricedPolicy.Kind.PRICE_AS) {
                resolved = s.pricing().resolve(null, policy.priceAs());
                admitted = metered.pricedAs(policy.priceAs());
            }
            if (resolved == null && policy.kind() != UnpricedPolicy.Kind.ALLOW) {
                return done(refuseUnpriced(req.model(), policy, new MeteredCall(accounting, metered.withoutBudget())));
            }
        }
        PricedModel priced = resolved;
        MeteredRequest toReserve = admitted;
        // a budget reserves first with a bound of the prompt found without tokenizing (one pass over the bytes); the
        // exact count is made only when that bound would be refused (bench/RESULTS.md: tokenizing on the loop cost
        // as much as the rest of the call). Tokens per minute always count exactly; requests per minute need none.
        long bound = budgets.isEmpty() || rates.limitsTokens() ? -1 : estimator.promptTokenBound(req);
        CompletionStage<Long> prompt = bound >= 0 ? done(bound)
                : budgets.isEmpty() && !rates.limitsTokens() ? done(0L)
                : estimator.promptTokensAsync(req.model(), req);
        return prompt.thenCompose(promptTokens -> {
            CallRecorder.WorstCase worst = CallRecorder.worstCase(req, priced, promptTokens);
            return limiter.get().acquire(rates, worst.tokens()).thenCompose(rate -> {
                if (!rate.allowed()) {
                    // a rate-limited call is recorded too, and holds nothing anywhere
                    return done(refuseRate(rate, new MeteredCall(accounting, metered.withoutBudget())));
                }
                if (budgets.isEmpty()) {
                    return done(new Admission.Forward(new MeteredCall(accounting, toReserve.withRateHold(rate.hold()),
                            call.holdBody().retain()), body, upstreamAuth, rate.headers(), true));
                }
                Budgeted b = new Budgeted(call, id.id(), l, budgets, priced, toReserve, metered, rate, body, upstreamAuth);
                if (bound < 0) {
                    return reserve(b, worst, true);
                }
                return l.reserve(budgets, worst.usd(), worst.tokens(), false).thenCompose(tentative -> {
                    if (tentative.allowed()) {
                        return admitted(b, tentative, worst);
                    }
                    // the bound does not fit: count exactly, and let that answer decide
                    return estimator.promptTokensAsync(req.model(), req).thenCompose(exact ->
                            reserve(b, CallRecorder.worstCase(req, priced, exact), true));
                });
            });
        });
    }

    /** A call on its way through the budgets, after its rate limits let it through. */
    private record Budgeted(CallRequest call, String keyId, BudgetLedger ledger, CallBudgets budgets,
                            @Nullable PricedModel priced, MeteredRequest toReserve, MeteredRequest metered,
                            RateDecision rate, @Nullable BodySplice body, @Nullable String upstreamAuth) {}

    /** The budget half of admission (SPEC 7, 11). */
    private CompletionStage<Admission> reserve(Budgeted b, CallRecorder.WorstCase worst, boolean reportRefusal) {
        return b.ledger().reserve(b.budgets(), worst.usd(), worst.tokens(), reportRefusal)
                .thenCompose(decision -> admitted(b, decision, worst));
    }

    private CompletionStage<Admission> admitted(Budgeted b, BudgetDecision decision, CallRecorder.WorstCase worst) {
        RateHold rateHold = b.rate().hold();
        if (!decision.allowed()) {
            if (rateHold != null) {
                // refused by a budget: it never went out, so it draws nothing from the rate limits either
                rateHold.release();
            }
            // the refusal is a call too: one usage record with error budget_exceeded (SPEC 8)
            return done(refuse429(b.keyId(), decision, b.rate().headers(),
                    new MeteredCall(accounting, b.metered().withoutBudget())));
        }
        Reservation r = decision.reservation();
        MeteredRequest toReserve = b.toReserve();
        MeteredCall tap = new MeteredCall(accounting, toReserve.withReservation(r).withRateHold(rateHold),
                b.call().holdBody().retain());
        BigDecimal remaining = decision.remainingUsd();
        Map<String, String> headers = b.rate().headers();
        if (remaining != null) {
            headers = new LinkedHashMap<>(headers);
            headers.put("x-tollgate-budget-remaining-usd", usd(remaining));
        }
        Admission forward = new Admission.Forward(tap, b.body(), b.upstreamAuth(), headers, true);
        if (r == null || !r.held()) {
            return done(forward);
        }
        RequestInfo req = toReserve.request();
        PricedModel priced = b.priced();
        // the hold is journaled before the call goes out, so a killed process cannot forget it (issue 17)
        ReservationJournal.Hold hold = new ReservationJournal.Hold(r.id(), clock.instant(), b.keyId(),
                req.endpoint().path(), req.model(), priced == null ? null : priced.name(), req.stream(),
                toReserve.user(), toReserve.tags(), worst.usd(), worst.tokens());
        return journal.apply(hold).handle((written, failure) -> {
            if (failure != null) {
                log.warn("reservation journal: {} (the call goes on; a crash now would not charge it)",
                        failure.toString());
            }
            return forward;
        });
    }

    /** SPEC 11's refusal: 429 {@code rate_limit_exceeded}, worth retrying after {@code Retry-After}. */
    private static Admission refuseRate(RateDecision d, CallTap tap) {
        Map<String, String> headers = new LinkedHashMap<>(d.headers());
        headers.put("retry-after", Long.toString(d.retryAfterSeconds()));
        headers.put("retry-after-ms", Long.toString(d.retryAfterMillis()));
        headers.put("x-should-retry", "true");
        BudgetScope scope = d.scope();
        if (scope != null) {
            headers.put("x-tollgate-rate-limit-scope", scope.kind().id());
        }
        // OpenAI's own rate-limit errors say requests or tokens as their type
        String type = d.kind() == null ? "requests" : d.kind();
        return new Admission.Refuse(HttpResponseStatus.TOO_MANY_REQUESTS, headers,
                ErrorResponses.json(type, "rate_limit_exceeded", d.message()), tap, Outcome.RATE_LIMITED);
    }

    /** SPEC 7's refusal; it carries the call's rate-limit headers too ({@code rateHeaders}), as every metered answer. */
    private Admission refuse429(String keyId, BudgetDecision d, Map<String, String> rateHeaders, CallTap tap) {
        Map<String, String> headers = new LinkedHashMap<>(rateHeaders);
        long retryAfter = d.retryAfterSeconds(clock.instant());
        if (retryAfter >= 0) {
            // a total budget never resets: no Retry-After at all rather than a false promise
            headers.put("retry-after", Long.toString(retryAfter));
        }
        headers.put("x-should-retry", "false");
        BudgetScope scope = d.scope();
        if (scope != null) {
            headers.put("x-tollgate-budget-scope", scope.kind().id());
        }
        if (d.limitUsd() != null) {
            headers.put("x-tollgate-budget-limit-usd", usd(d.limitUsd()));
        }
        if (d.remainingUsd() != null) {
            headers.put("x-tollgate-budget-remaining-usd", usd(d.remainingUsd()));
        }
        if (d.resetsAt() != null) {
            headers.put("x-tollgate-budget-reset", d.resetsAt().toString());
        }
        return new Admission.Refuse(HttpResponseStatus.TOO_MANY_REQUESTS, headers,
                ErrorResponses.json("insufficient_quota", "budget_exceeded", d.message(keyId)), tap, Outcome.BUDGET_EXCEEDED);
    }

    private static Admission refuseUnpriced(@Nullable String model, UnpricedPolicy policy, CallTap tap) {
        String name = model == null ? "(no model named)" : "'" + model + "'";
        String why = policy.kind() == UnpricedPolicy.Kind.PRICE_AS
                ? "and neither is '" + policy.priceAs() + "' (budgets.unpriced: " + policy.describe() + ")"
                : "so a budget cannot hold it (budgets.unpriced: deny; set allow or {price_as: MODEL}, or price the model in pricing.file)";
        return new Admission.Refuse(HttpResponseStatus.BAD_REQUEST, Map.of("x-should-retry", "false"),
                ErrorResponses.json("invalid_request_error", "model_not_priced",
                        "model " + name + " has no price in tollgate's table, " + why), tap, Outcome.MODEL_NOT_PRICED);
    }

    /**
     * A body naming {@code model} twice with different values is refused: routes read the first, metering and the
     * upstream the last, so it could go out on one model's route and key and be billed as another.
     */
    private static Admission refuseConflictingModel(RequestInfo req, CallTap tap) {
        return new Admission.Refuse(HttpResponseStatus.BAD_REQUEST, Map.of("x-should-retry", "false"),
                ErrorResponses.json("invalid_request_error", "conflicting_model", "the request body names \"model\""
                        + " more than once ('" + req.conflictingModel() + "', then "
                        + (req.model() == null ? "one not a string" : "'" + req.model() + "'") + "); name it once"),
                tap, Outcome.CONFLICTING_MODEL);
    }

    private static Admission refuse401(String message) {
        return new Admission.Refuse(HttpResponseStatus.UNAUTHORIZED, Map.of(),
                ErrorResponses.json("invalid_request_error", "invalid_api_key", message), CallTap.NONE, Outcome.COMPLETE);
    }

    /** {@code X-Tollgate-Tag-<name>: value} headers: names lower-cased, at most 10, values cut at 128 (SPEC 4). */
    static Map<String, String> tags(HttpHeaders h) {
        Map<String, String> tags = null;
        // the headers as the decoder keeps them: a String is made only for a tag (iterating Map.Entry<String, String>
        // made two of them for every header of every call)
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence(); it.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence name = e.getKey();
            if (name.length() > TAG_PREFIX.length() && AsciiString.regionMatches(name, true, 0, TAG_PREFIX, 0, TAG_PREFIX.length())) {
                if (tags == null) {
                    tags = new LinkedHashMap<>();
                }
                if (tags.size() >= MAX_TAGS) {
                    break;
                }
                tags.put(name.subSequence(TAG_PREFIX.length(), name.length()).toString().toLowerCase(Locale.ROOT),
                        FieldCap.cap(e.getValue().toString()));
            }
        }
        return tags == null ? Map.of() : tags;
    }

    private static String usd(BigDecimal v) {
        return UsageRecordJson.plainDecimal(v);
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}

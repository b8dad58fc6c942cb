package tollgate.proxy.relay;

import tollgate.metering.log.ReservationJournal;
import tollgate.metering.budget.Reservation;
import java.util.function.Function;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.math.BigDecimal;
import java.time.Clock;
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
 * 11: key, user, tag values, model, global; one reservation) before anything is forwarded. Answers 401
 * {@code invalid_api_key} and 429 {@code budget_exceeded} (naming the scope) itself.
 */
public final class MeteringGate implements CallGate {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(MeteringGate.class);
    private static final String TAG_PREFIX = "x-tollgate-tag-";
    private static final int MAX_TAGS = 10;

    private final Supplier<MeteringState> state;
    private final CallAccounting accounting;
    private final TokenEstimator estimator;
    private final Supplier<BudgetLedger> ledger;
    private final Clock clock;
    private final Function<ReservationJournal.Hold, CompletableFuture<Void>> journal;

    /** @param journal journals a budget hold before its call is forwarded ({@code UsageLogWriter::hold}) */
    public MeteringGate(Supplier<MeteringState> state, CallAccounting accounting, TokenEstimator estimator,
                        Supplier<BudgetLedger> ledger, Clock clock,
                        Function<ReservationJournal.Hold, CompletableFuture<Void>> journal) {
        this.state = state;
        this.accounting = accounting;
        this.estimator = estimator;
        this.ledger = ledger;
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
            if (BatchOutputMeter.downloadsFileContent(call.path())) {
                // the results of a batch output file are charged to the budgets of the key that downloads it
                String user = FieldCap.cap(h.get("x-tollgate-user"));
                unmetered = new MeteredRequest(id.id(), call.path(), null, false, user, tags,
                        s.budgetsOf(id.id(), user, tags, null), null);
            }
            MeteredCall tap = new MeteredCall(accounting, unmetered);
            // another method on a metered path (GET /v1/chat/completions) is not metered, so it never carries
            // a virtual key's real upstream key: the caller's own key goes, as sent
            boolean meteredPath = Endpoint.ofPath(call.path()) != null;
            return done(new Admission.Forward(tap, null, meteredPath ? null : upstreamAuth, null, false));
        }
        // the body's own buffers, scanned in place for its top-level fields (no copy, no tree)
        // Azure OpenAI names the model by its deployment in the path (SPEC 13): it stands in when the body names none
        RequestInfo req = RequestInfo.parse(endpoint, call.body()).withDeploymentModel(Endpoint.azureDeployment(call.path()));
        boolean inject = s.config().injectStreamUsage() && req.needsUsageInjection();
        BodySplice body = inject ? req.usageSplice() : null;
        String user = req.user() != null ? req.user() : FieldCap.cap(h.get("x-tollgate-user"));
        PricedModel resolved = s.pricing().resolve(null, req.model());
        CallBudgets budgets = s.budgetsOf(id.id(), user, tags, resolved == null ? null : resolved.name());
        BudgetLedger l = ledger.get();
        MeteredRequest metered = new MeteredRequest(id.id(), call.path(), req, inject, user, tags, budgets, null);
        if (budgets.isEmpty()) {
            return done(new Admission.Forward(new MeteredCall(accounting, metered, call.holdBody().retain()), body,
                    upstreamAuth, null, true));
        }
        MeteredRequest admitted = metered;
        if (resolved == null) {
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
        return estimator.promptTokensAsync(req.model(), req).thenCompose(prompt -> {
            CallRecorder.WorstCase worst = CallRecorder.worstCase(req, priced, prompt);
            return l.reserve(budgets, worst.usd(), worst.tokens()).thenCompose(decision -> {
                if (!decision.allowed()) {
                    // the refusal is a call too: one usage record with error budget_exceeded (SPEC 8)
                    return done(refuse429(id.id(), decision, new MeteredCall(accounting, metered.withoutBudget())));
                }
                Reservation r = decision.reservation();
                MeteredCall tap = new MeteredCall(accounting, toReserve.withReservation(r), call.holdBody().retain());
                BigDecimal remaining = decision.remainingUsd();
                Admission forward = new Admission.Forward(tap, body, upstreamAuth, remaining == null ? null : usd(remaining), true);
                if (r == null || !r.held()) {
                    return done(forward);
                }
                // the hold is journaled before the call goes out, so a killed process cannot forget it (issue 17)
                ReservationJournal.Hold hold = new ReservationJournal.Hold(r.id(), clock.instant(), id.id(),
                        req.endpoint().path(), req.model(), priced == null ? null : priced.name(), req.stream(),
                        toReserve.user(), tags, worst.usd(), worst.tokens());
                return journal.apply(hold).handle((written, failure) -> {
                    if (failure != null) {
                        log.warn("reservation journal: {} (the call goes on; a crash now would not charge it)",
                                failure.toString());
                    }
                    return forward;
                });
            });
        });
    }

    private Admission refuse429(String keyId, BudgetDecision d, CallTap tap) {
        Map<String, String> headers = new LinkedHashMap<>();
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

    private static Admission refuse401(String message) {
        return new Admission.Refuse(HttpResponseStatus.UNAUTHORIZED, Map.of(),
                ErrorResponses.json("invalid_request_error", "invalid_api_key", message), CallTap.NONE, Outcome.COMPLETE);
    }

    /** {@code X-Tollgate-Tag-<name>: value} headers: names lower-cased, at most 10, values cut at 128 (SPEC 4). */
    static Map<String, String> tags(HttpHeaders h) {
        Map<String, String> tags = null;
        for (Map.Entry<String, String> e : h) {
            String name = e.getKey();
            if (name.length() > TAG_PREFIX.length() && name.regionMatches(true, 0, TAG_PREFIX, 0, TAG_PREFIX.length())) {
                if (tags == null) {
                    tags = new LinkedHashMap<>();
                }
                if (tags.size() >= MAX_TAGS) {
                    break;
                }
                tags.put(name.substring(TAG_PREFIX.length()).toLowerCase(Locale.ROOT), FieldCap.cap(e.getValue()));
            }
        }
        return tags == null ? Map.of() : tags;
    }

    private static String usd(BigDecimal v) {
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }

    private static <T> CompletionStage<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }
}

package tollgate.metering.call;

import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.RateHold;
import tollgate.metering.budget.Reservation;
import tollgate.metering.usage.RequestInfo;

/**
 * What a request said, as metering needs it when the call ends: who pays, what was asked, and the budget it
 * was admitted against (every scope's: SPEC 11). Immutable, so it can be handed to the accounting thread.
 *
 * @param request null for a call that is forwarded but not metered (SPEC 5: counted in requests only)
 * @param reservation the worst case held in {@code reserve} mode, null otherwise
 * @param priceAs the model whose prices apply when neither the response's nor the request's model is priced
 *     ({@code budgets.unpriced: {price_as: MODEL}}), null otherwise
 * @param provider the route's provider (SPEC 13), recorded with the call; null without routes
 * @param trustProviderCost the route says {@code trust_provider_cost: true}: a cost the provider reports in its usage
 *     is the call's cost
 * @param rateHold what the call drew from its rate limits (SPEC 11), settled to its real tokens; null without limits
 * @param trace the client's W3C {@code traceparent}/{@code tracestate} headers as sent (issue 20), or empty
 */
public record MeteredRequest(
        String keyId,
        String path,
        @Nullable RequestInfo request,
        boolean usageInjected,
        @Nullable String user,
        Map<String, String> tags,
        CallBudgets budget,
        @Nullable Reservation reservation,
        @Nullable String priceAs,
        @Nullable String provider,
        boolean trustProviderCost,
        @Nullable RateHold rateHold,
        Map<String, String> trace) {

    public MeteredRequest(String keyId, String path, @Nullable RequestInfo request, boolean usageInjected,
                          @Nullable String user, Map<String, String> tags, CallBudgets budget,
                          @Nullable Reservation reservation, @Nullable String priceAs, @Nullable String provider,
                          boolean trustProviderCost, @Nullable RateHold rateHold) {
        this(keyId, path, request, usageInjected, user, tags, budget, reservation, priceAs, provider, trustProviderCost,
                rateHold, Map.of());
    }

    public MeteredRequest(String keyId, String path, @Nullable RequestInfo request, boolean usageInjected,
                          @Nullable String user, Map<String, String> tags, CallBudgets budget,
                          @Nullable Reservation reservation, @Nullable String priceAs, @Nullable String provider,
                          boolean trustProviderCost) {
        this(keyId, path, request, usageInjected, user, tags, budget, reservation, priceAs, provider, trustProviderCost,
                null);
    }

    public MeteredRequest(String keyId, String path, @Nullable RequestInfo request, boolean usageInjected,
                          @Nullable String user, Map<String, String> tags, CallBudgets budget,
                          @Nullable Reservation reservation, @Nullable String priceAs) {
        this(keyId, path, request, usageInjected, user, tags, budget, reservation, priceAs, null, false);
    }

    public MeteredRequest(String keyId, String path, @Nullable RequestInfo request, boolean usageInjected,
                          @Nullable String user, Map<String, String> tags, CallBudgets budget,
                          @Nullable Reservation reservation) {
        this(keyId, path, request, usageInjected, user, tags, budget, reservation, null);
    }

    /** A forwarded call that is not metered (another endpoint or method). */
    public static MeteredRequest unmetered(String keyId, String path, Map<String, String> tags) {
        return new MeteredRequest(keyId, path, null, false, null, tags, CallBudgets.NONE, null);
    }

    /** The same request without budget effects (the record of a refusal must not settle anything). */
    public MeteredRequest withoutBudget() {
        return new MeteredRequest(keyId, path, request, false, user, tags, CallBudgets.NONE, null, null, provider,
                trustProviderCost, null, trace);
    }

    /** The same request admitted with {@code reservation}. */
    public MeteredRequest withReservation(@Nullable Reservation r) {
        return new MeteredRequest(keyId, path, request, usageInjected, user, tags, budget, r, priceAs, provider, trustProviderCost,
                rateHold, trace);
    }

    /** The same request admitted with its draw on its rate limits. */
    public MeteredRequest withRateHold(@Nullable RateHold hold) {
        return new MeteredRequest(keyId, path, request, usageInjected, user, tags, budget, reservation, priceAs, provider,
                trustProviderCost, hold, trace);
    }

    /** The same request priced as {@code model} when its own models are not priced. */
    public MeteredRequest pricedAs(@Nullable String model) {
        return new MeteredRequest(keyId, path, request, usageInjected, user, tags, budget, reservation, model, provider, trustProviderCost,
                rateHold, trace);
    }

    /** The same request sent through the route of provider {@code name} (SPEC 13). */
    public MeteredRequest withProvider(@Nullable String name, boolean trustCost) {
        return new MeteredRequest(keyId, path, request, usageInjected, user, tags, budget, reservation, priceAs, name,
                trustCost, rateHold, trace);
    }

    /**
     * The same request with the client's W3C trace context headers (issue 20), as sent; none without a
     * {@code traceparent}. Bounded: a {@code traceparent} is 55 characters, a {@code tracestate} at most 512 (W3C).
     */
    public MeteredRequest withTrace(@Nullable String traceparent, @Nullable String tracestate) {
        if (traceparent == null || traceparent.length() > 128) {
            return this;
        }
        Map<String, String> headers = tracestate == null || tracestate.length() > 512
                ? Map.of("traceparent", traceparent) : Map.of("traceparent", traceparent, "tracestate", tracestate);
        return new MeteredRequest(keyId, path, request, usageInjected, user, tags, budget, reservation, priceAs, provider,
                trustProviderCost, rateHold, headers);
    }
}

package tollgate.metering.budget;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The verdict of the rate limits on one call (SPEC 11): let through with its {@link RateHold}, or refused by one
 * scope's requests or tokens per minute. Either way it carries OpenAI's {@code x-ratelimit-*} headers for the
 * tightest bucket of each kind, which every metered answer (and the refusal) shows the caller.
 *
 * @param hold what the call drew; null when refused, or when no limit applies or the store failed and
 *     {@code on_store_failure: allow} let it through
 * @param headers {@code x-ratelimit-limit-requests} … {@code x-ratelimit-reset-tokens}, in that order
 * @param scope the scope that refused; null when allowed (or refused because the store failed)
 * @param kind {@code requests} or {@code tokens} for a refusal
 * @param retryAfterMicros how long until the call would fit
 * @param unavailableStore the store that failed under {@code on_store_failure: deny}, else null
 */
public record RateDecision(boolean allowed, @Nullable RateHold hold, Map<String, String> headers,
                           @Nullable BudgetScope scope, @Nullable String kind, long limit, long asked,
                           long retryAfterMicros, @Nullable String unavailableStore) {

    /** How long a client is told to wait when the store could not be asked: as for budgets. */
    static final long STORE_RETRY_MICROS = BudgetDecision.STORE_RETRY_SECONDS * 1_000_000L;

    public static final RateDecision UNLIMITED = new RateDecision(true, null, Map.of(), null, null, 0, 0, 0, null);

    static RateDecision allowed(@Nullable RateHold hold, Map<String, String> headers) {
        return new RateDecision(true, hold, headers, null, null, 0, 0, 0, null);
    }

    static RateDecision refused(BudgetScope scope, String kind, long limit, long asked, long waitMicros,
                                Map<String, String> headers) {
        return new RateDecision(false, null, headers, scope, kind, limit, asked, Math.max(1, waitMicros), null);
    }

    static RateDecision storeUnavailable(String store) {
        return new RateDecision(false, null, Map.of(), null, null, 0, 0, STORE_RETRY_MICROS, store);
    }

    /** {@code Retry-After}: whole seconds, rounded up, at least 1. */
    public long retryAfterSeconds() {
        return Math.max(1, (retryAfterMicros + 999_999) / 1_000_000);
    }

    /** {@code retry-after-ms}, which OpenAI's SDKs prefer: milliseconds, rounded up, at least 1. */
    public long retryAfterMillis() {
        return Math.max(1, (retryAfterMicros + 999) / 1_000);
    }

    /** The error message of the 429 body: the scope, the limit, what the call asked, when to try again. */
    public String message() {
        if (unavailableStore != null) {
            return "rate limits could not be checked: the store " + unavailableStore
                    + " is unavailable and budgets.on_store_failure is deny; try again shortly";
        }
        String what = "tokens".equals(kind)
                ? limit + " tokens per minute (this call asks for up to " + asked + ": prompt estimate and max output)"
                : limit + " requests per minute";
        return "rate limit reached for " + (scope == null ? "this call" : scope.describe()) + ": " + what
                + "; try again in " + RateLimiter.duration(retryAfterMicros) + ".";
    }
}

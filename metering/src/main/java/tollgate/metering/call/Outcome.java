package tollgate.metering.call;

import org.jspecify.annotations.Nullable;

/** How a call ended; each call ends exactly once with one of these, and it names the usage log's {@code error}. */
public enum Outcome {
    COMPLETE(null),
    CLIENT_GONE("client_disconnected"),
    /** The client read nothing of the answer for {@code timeouts.idle}: tollgate closed it and its upstream call. */
    CLIENT_IDLE("client_timeout"),
    UPSTREAM_CUT("upstream_cut"),
    TIMEOUT("upstream_timeout"),
    UNAVAILABLE("upstream_unavailable"),
    /** The upstream's answer could not be relayed as HTTP (a malformed or oversized head, ambiguous framing). */
    UPSTREAM_INVALID("upstream_invalid_response"),
    /** Refused by tollgate before forwarding (SPEC 7's 429). */
    BUDGET_EXCEEDED("budget_exceeded"),
    /** Refused before forwarding by a rate limit (SPEC 11's 429 {@code rate_limit_exceeded}). */
    RATE_LIMITED("rate_limit_exceeded"),
    /** Refused before forwarding: a budgeted call to a model without a price, under {@code budgets.unpriced: deny}. */
    MODEL_NOT_PRICED("model_not_priced"),
    /** Admitted, then not forwarded: tollgate failed to build the upstream request (answered 500). */
    INTERNAL_ERROR("internal_error"),
    /** Refused before forwarding: the body names {@code model} twice with different values (a crafted body). */
    CONFLICTING_MODEL("conflicting_model"),
    /**
     * A streamed upload passed {@code limits.max_request_bytes}: answered 413 when nothing of it was forwarded yet,
     * else cut on both sides.
     */
    REQUEST_TOO_LARGE("request_too_large");

    private final @Nullable String errorCode;

    Outcome(@Nullable String errorCode) {
        this.errorCode = errorCode;
    }

    /** The usage log's {@code error} for this outcome (SPEC 8), null when complete. */
    public @Nullable String errorCode() {
        return errorCode;
    }

    /** The client left, or was closed for not reading, while the upstream was answering. */
    boolean clientLeft() {
        return this == CLIENT_GONE || this == CLIENT_IDLE;
    }
}

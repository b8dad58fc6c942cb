package tollgate.proxy.relay;

import org.jspecify.annotations.Nullable;

/** How an exchange ended; each exchange closes exactly once with one of these. */
public enum Outcome {
    COMPLETE(null),
    CLIENT_GONE("client_disconnected"),
    UPSTREAM_CUT("upstream_cut"),
    TIMEOUT("upstream_timeout"),
    UNAVAILABLE("upstream_unavailable"),
    /** Refused by tollgate before forwarding (SPEC 7's 429). */
    BUDGET_EXCEEDED("budget_exceeded");

    private final @Nullable String errorCode;

    Outcome(@Nullable String errorCode) {
        this.errorCode = errorCode;
    }

    /** The usage log's {@code error} for this outcome (SPEC 8), null when complete. */
    public @Nullable String errorCode() {
        return errorCode;
    }
}

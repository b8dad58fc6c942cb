package tollgate.metering.usage;

import org.jspecify.annotations.Nullable;

/** The metered API endpoints (SPEC 5); every other path is forwarded and counted only. */
public enum Endpoint {
    CHAT_COMPLETIONS("/v1/chat/completions"),
    COMPLETIONS("/v1/completions"),
    EMBEDDINGS("/v1/embeddings"),
    RESPONSES("/v1/responses");

    private final String path;

    Endpoint(String path) {
        this.path = path;
    }

    public String path() {
        return path;
    }

    /** The endpoint of a request path (query already removed), or null when it is not metered. */
    public static @Nullable Endpoint ofPath(String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        for (Endpoint e : values()) {
            if (e.path.equals(p)) {
                return e;
            }
        }
        return null;
    }
}

package tollgate.proxy.upstream;

import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.config.RouteConfig;

/**
 * One configured upstream of SPEC 13 with its own pooled connections (one set per event loop, in
 * {@link UpstreamPool}) and TLS context verifying its own host. Its key stays out of {@link #toString()}.
 */
public final class Route {
    private final RouteConfig config;
    private final UpstreamPool pool;
    private final @Nullable String authorization;

    Route(RouteConfig config, UpstreamPool pool, @Nullable String key) {
        this.config = config;
        this.pool = pool;
        this.authorization = key == null ? null : "Bearer " + key;
    }

    public UpstreamPool pool() {
        return pool;
    }

    public String provider() {
        return config.provider();
    }

    /** The path prefix removed before forwarding, or null for a model route. */
    public @Nullable String pathPrefix() {
        return config.pathPrefix();
    }

    /** {@code Bearer <the route's key>} when the route replaces the caller's key ({@code key_env}), else null. */
    public @Nullable String authorization() {
        return authorization;
    }

    /** {@code trust_provider_cost}: the provider's own {@code usage.cost} is the call's cost. */
    public boolean trustProviderCost() {
        return config.trustProviderCost();
    }

    public Map<String, String> headers() {
        return config.headers();
    }

    RouteConfig config() {
        return config;
    }

    @Override
    public String toString() {
        return config.provider() + " → " + pool.target();
    }
}

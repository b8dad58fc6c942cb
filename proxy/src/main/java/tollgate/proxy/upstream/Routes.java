package tollgate.proxy.upstream;

import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tollgate.config.EnvSecrets;
import tollgate.config.Limits;
import tollgate.config.RouteConfig;
import tollgate.config.Timeouts;

/**
 * SPEC 13's routes in their order: the first whose path prefix starts the request's path, or whose model globs match
 * the body's {@code model}, takes the call (one under {@code /v1/messages/} that names none: the first anthropic model
 * route). No routes: every call goes to the one upstream of SPEC 1, as before.
 */
public final class Routes implements AutoCloseable {
    public static final Routes NONE = new Routes(List.of());

    private final List<Route> routes;
    private final boolean byModel;

    /** The first model route of provider anthropic, or null. */
    private final @Nullable Route anthropic;

    private Routes(List<Route> routes) {
        this.routes = List.copyOf(routes);
        this.byModel = routes.stream().anyMatch(r -> r.pathPrefix() == null);
        this.anthropic = routes.stream().filter(r -> r.pathPrefix() == null && r.provider().equals("anthropic"))
                .findFirst().orElse(null);
    }

    /**
     * A pool per route, each with the TLS context of its own host ({@code caFile} trusted in addition to none, as for
     * the single upstream); a route's key is read from {@code env} by its {@code key_env}.
     */
    public static Routes of(List<RouteConfig> configs, Map<String, String> env, @Nullable Path caFile,
                            Class<? extends Channel> channelType, Limits limits, Timeouts timeouts) throws IOException {
        return of(configs, env, caFile, channelType, limits, timeouts, p -> { });
    }

    /** @param connectFailed told of each connection to a route's upstream that could not be opened, by its provider */
    public static Routes of(List<RouteConfig> configs, Map<String, String> env, @Nullable Path caFile,
                            Class<? extends Channel> channelType, Limits limits, Timeouts timeouts,
                            Consumer<String> connectFailed) throws IOException {
        if (configs.isEmpty()) {
            return NONE;
        }
        List<Route> out = new ArrayList<>(configs.size());
        for (RouteConfig c : configs) {
            String provider = c.provider();
            UpstreamPool pool = new UpstreamPool(UpstreamTarget.of(c.upstream(), caFile), channelType, limits, timeouts,
                    () -> connectFailed.accept(provider));
            out.add(new Route(c, pool, c.keyEnv() == null ? null : EnvSecrets.read(env, c.keyEnv())));
        }
        return new Routes(out);
    }

    /**
     * Whether a call that names no model goes to the first model route of provider {@code anthropic} (when there is
     * one) rather than to a catch-all: one on Anthropic's Messages API family, a Message Batch created (its models are
     * in its requests), read, cancelled or its results fetched.
     */
    private boolean anthropicWithoutModel(String pathAndQuery) {
        return anthropic != null && (pathAndQuery.startsWith("/v1/messages/") || pathAndQuery.startsWith("/v1/messages?"));
    }

    public boolean isEmpty() {
        return routes.isEmpty();
    }

    /**
     * The route of a call, or null when none matches; {@code model} is asked for (the body read up to its
     * {@code model}) only when a model route is reached.
     */
    public @Nullable Route select(String pathAndQuery, Supplier<@Nullable String> model) {
        String m = null;
        boolean read = false;
        for (Route r : routes) {
            RouteConfig c = r.config();
            if (c.pathPrefix() != null) {
                if (c.matchesPath(pathAndQuery)) {
                    return r;
                }
                continue;
            }
            if (!read) {
                m = model.get();
                read = true;
                if (m == null && anthropicWithoutModel(pathAndQuery)) {
                    return anthropic;
                }
            }
            // a catch-all "*" also takes calls that name no model (GET /v1/models, files)
            if (m != null ? c.matchesModel(m) : c.models().contains("*")) {
                return r;
            }
        }
        return null;
    }

    /** True when some route is chosen by the body's model. */
    public boolean byModel() {
        return byModel;
    }

    /** Lets the calls in progress on these routes finish, keeping no connection after them (replaced by a reload). */
    public void drain() {
        routes.forEach(r -> r.pool().drain());
    }

    @Override
    public void close() {
        routes.forEach(r -> r.pool().close());
    }

    @Override
    public String toString() {
        return routes.toString();
    }
}

package tollgate.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The whole configuration in effect. Immutable; a reload builds a new one.
 *
 * @param upstream base URL of the upstream API (http or https; a base path is kept)
 * @param caFile PEM file of CA certificates trusted for the upstream, in addition to none (null: JDK trust store)
 * @param pricingFile a YAML or JSON file of prices that adds to or overrides the built-in table
 * @param server threads, transport and queue sizes
 * @param adminToken null: the admin API and dashboard answer 404
 * @param alertWebhookUrl where budget alert events are POSTed (null: none)
 * @param alertWarnings {@code alerts.warnings}: also POST the spend warnings of {@code stats --warnings} there
 * @param source the file this came from, if any (watched for changes)
 * @param routes SPEC 13's upstreams, first match wins; empty: every call goes to {@code upstream}
 * @param rateLimits SPEC 11's requests and tokens per minute
 */
public record TollgateConfig(
        HostPort listen,
        URI upstream,
        @Nullable Path caFile,
        Timeouts timeouts,
        Limits limits,
        ServerConfig server,
        Duration shutdownGrace,
        boolean injectStreamUsage,
        LogConfig log,
        @Nullable Path pricingFile,
        MetricsConfig metrics,
        BudgetsConfig budgets,
        boolean keysRequired,
        List<KeyConfig> keys,
        @Nullable URI alertWebhookUrl,
        @Nullable String adminToken,
        @Nullable Path source,
        List<RouteConfig> routes,
        @Nullable PricingSync pricingSync,
        boolean alertWarnings,
        RateLimitsConfig rateLimits,
        OtelConfig otel) {

    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 8080);
    public static final URI DEFAULT_UPSTREAM = URI.create("https://api.openai.com");
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

    /** Without {@code otel}. */
    public TollgateConfig(HostPort listen, URI upstream, @Nullable Path caFile, Timeouts timeouts, Limits limits,
                          ServerConfig server, Duration shutdownGrace, boolean injectStreamUsage, LogConfig log,
                          @Nullable Path pricingFile, MetricsConfig metrics, BudgetsConfig budgets, boolean keysRequired,
                          List<KeyConfig> keys, @Nullable URI alertWebhookUrl, @Nullable String adminToken,
                          @Nullable Path source, List<RouteConfig> routes, @Nullable PricingSync pricingSync,
                          boolean alertWarnings, RateLimitsConfig rateLimits) {
        this(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log, pricingFile,
                metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, routes, pricingSync,
                alertWarnings, rateLimits, OtelConfig.OFF);
    }

    /** Without {@code alerts.warnings}. */
    public TollgateConfig(HostPort listen, URI upstream, @Nullable Path caFile, Timeouts timeouts, Limits limits,
                          ServerConfig server, Duration shutdownGrace, boolean injectStreamUsage, LogConfig log,
                          @Nullable Path pricingFile, MetricsConfig metrics, BudgetsConfig budgets, boolean keysRequired,
                          List<KeyConfig> keys, @Nullable URI alertWebhookUrl, @Nullable String adminToken,
                          @Nullable Path source, List<RouteConfig> routes, @Nullable PricingSync pricingSync) {
        this(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log, pricingFile,
                metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, routes, pricingSync, false,
                RateLimitsConfig.NONE);
    }

    /** Without {@code pricing.sync}. */
    public TollgateConfig(HostPort listen, URI upstream, @Nullable Path caFile, Timeouts timeouts, Limits limits,
                          ServerConfig server, Duration shutdownGrace, boolean injectStreamUsage, LogConfig log,
                          @Nullable Path pricingFile, MetricsConfig metrics, BudgetsConfig budgets, boolean keysRequired,
                          List<KeyConfig> keys, @Nullable URI alertWebhookUrl, @Nullable String adminToken,
                          @Nullable Path source, List<RouteConfig> routes) {
        this(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log, pricingFile,
                metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, routes, null);
    }

    public TollgateConfig {
        keys = List.copyOf(keys);
        routes = List.copyOf(routes);
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (KeyConfig k : keys) {
            if (!names.add(k.name())) {
                throw new IllegalArgumentException("keys: name '" + k.name() + "' appears twice (expected: unique names)");
            }
            if (!hashes.add(k.keySha256())) {
                throw new IllegalArgumentException("keys: key '" + k.name() + "' has the same key as another entry (expected: each key once)");
            }
        }
        Durations.requirePositive("shutdown.grace", shutdownGrace);
        if (alertWarnings && alertWebhookUrl == null) {
            throw new IllegalArgumentException("alerts.warnings: true (expected: with alerts.webhook_url, where they are sent)");
        }
        for (String name : rateLimits.keys().keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("rate_limits.keys: '" + name
                        + "' is not a configured key (expected: a name from keys)");
            }
        }
    }

    /** Without routes: every call goes to {@code upstream} (SPEC 1). */
    public TollgateConfig(HostPort listen, URI upstream, @Nullable Path caFile, Timeouts timeouts, Limits limits,
                          ServerConfig server, Duration shutdownGrace, boolean injectStreamUsage, LogConfig log,
                          @Nullable Path pricingFile, MetricsConfig metrics, BudgetsConfig budgets, boolean keysRequired,
                          List<KeyConfig> keys, @Nullable URI alertWebhookUrl, @Nullable String adminToken,
                          @Nullable Path source) {
        this(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log, pricingFile,
                metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, List.of());
    }

    /** This configuration with other routes (tests, and a reload that keeps everything else). */
    public TollgateConfig withRoutes(List<RouteConfig> newRoutes) {
        return new TollgateConfig(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log,
                pricingFile, metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, newRoutes,
                pricingSync, alertWarnings, rateLimits, otel);
    }

    /** This configuration with other rate limits (tests). */
    public TollgateConfig withRateLimits(RateLimitsConfig rates) {
        return new TollgateConfig(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log,
                pricingFile, metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, routes,
                pricingSync, alertWarnings, rates, otel);
    }

    /** This configuration with another OpenTelemetry export (tests). */
    public TollgateConfig withOtel(OtelConfig o) {
        return new TollgateConfig(listen, upstream, caFile, timeouts, limits, server, shutdownGrace, injectStreamUsage, log,
                pricingFile, metrics, budgets, keysRequired, keys, alertWebhookUrl, adminToken, source, routes,
                pricingSync, alertWarnings, rateLimits, o);
    }

    /** Built-in defaults of SPEC 1, with no file. */
    public static TollgateConfig defaults() {
        return new TollgateConfig(DEFAULT_LISTEN, DEFAULT_UPSTREAM, null, Timeouts.DEFAULT, Limits.DEFAULT,
                ServerConfig.DEFAULT,                 DEFAULT_SHUTDOWN_GRACE, true, LogConfig.defaults(), null, MetricsConfig.DEFAULT, BudgetsConfig.DEFAULT,
                false, List.of(), null, null, null, List.of());
    }

    public boolean adminEnabled() {
        return adminToken != null && !adminToken.isEmpty();
    }

    @Override
    public String toString() {
        return "TollgateConfig[listen=" + listen + ", upstream=" + upstream + ", keys=" + keys.size()
                + ", admin=" + (adminEnabled() ? "on" : "off") + "]";
    }
}

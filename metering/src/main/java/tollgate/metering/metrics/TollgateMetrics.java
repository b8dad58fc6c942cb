package tollgate.metering.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tollgate.config.MetricsConfig;
import tollgate.metering.log.UsageLogCounters;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.FieldCap;
import tollgate.metering.usage.UnitCounts;

/**
 * The metrics of SPEC 9 on a {@link PrometheusMeterRegistry} passed in; safe to call from any event loop.
 *
 * <p>Meter names are given without the suffixes Micrometer's Prometheus naming adds itself ({@code _total} on
 * counters, {@code _seconds} on timers), so the scraped names are exactly SPEC 9's. Keys and models past
 * {@link MetricsConfig}'s caps, and endpoints that are not metered, report as {@code other}. The {@code provider}
 * label is a route's provider (SPEC 13), names from the config and so few, capped all the same at
 * {@value #MAX_PROVIDERS}; it is empty for calls to the one upstream of a config without routes.
 */
public final class TollgateMetrics {
    /** Prometheus text exposition format 0.0.4. */
    public static final String CONTENT_TYPE_PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";
    public static final String CONTENT_TYPE_OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String UNKNOWN_MODEL = "unknown";
    /** Distinct {@code provider} label values kept; a config names its routes' providers, so this is never reached. */
    static final int MAX_PROVIDERS = 64;
    /** The {@code provider} label of a call to the one upstream of a config without routes. */
    static final String NO_PROVIDER = "";
    private static final String[] STATUS = new String[1000];

    static {
        for (int i = 0; i < STATUS.length; i++) {
            STATUS[i] = Integer.toString(i);
        }
    }

    private final PrometheusMeterRegistry registry;
    private final LabelCap keys;
    private final LabelCap models;
    private final LabelCap providers = new LabelCap(MAX_PROVIDERS, 32);
    private final ConcurrentHashMap<L5, Counter> requests = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L4, TokenCounters> tokens = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L3, CostSum> costs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> unpriced = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> unpricedTiers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L2, Counter> units = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L2, BudgetGauges> budgets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L3, Counter> rejections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L3, Counter> rateLimited = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L3, Counter> alerts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<L3, LatencyTimers> latencies = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> connectErrors = new ConcurrentHashMap<>();
    private final Counter logRecords;
    private final Counter logFailures;
    private final Counter backpressurePauses;
    private final Counter heldBackOverflows;
    private final Counter usageInvalid;
    private final Counter unreadableEncodings;
    private final Counter batchLinesUnparsed;
    private final Counter batchResultsMeteredBefore;
    private final Counter pricingSyncFailures;
    private final Counter budgetStoreFailures;
    private final UsageLogCounters usageLogCounters;

    public TollgateMetrics(PrometheusMeterRegistry registry, MetricsConfig config) {
        this.registry = registry;
        this.keys = new LabelCap(config.maxKeys(), FieldCap.MAX_CHARS);
        this.models = new LabelCap(config.maxModels(), FieldCap.MAX_CHARS);
        this.logRecords = Counter.builder("tollgate.usage.log.records")
                .description("Records written to the usage log").register(registry);
        this.logFailures = Counter.builder("tollgate.usage.log.failures")
                .description("Usage-log records lost (queue full, write error) and failed fsyncs").register(registry);
        this.backpressurePauses = Counter.builder("tollgate.backpressure.pauses")
                .description("Times the upstream read paused because the client could not keep up").register(registry);
        this.heldBackOverflows = Counter.builder("tollgate.held.back.overflows")
                .description("Streams that held back more than limits.max_held_bytes and were passed through unedited")
                .register(registry);
        this.usageInvalid = Counter.builder("tollgate.upstream.usage.invalid")
                .description("Calls whose upstream usage was not believed (limits.max_usage_tokens) and was estimated")
                .register(registry);
        this.unreadableEncodings = Counter.builder("tollgate.unreadable.encodings")
                .description("Answers in a content coding tollgate cannot read (recorded as estimated, unreadable_encoding)")
                .register(registry);
        this.batchLinesUnparsed = Counter.builder("tollgate.batch.unparsed.lines")
                .description("Lines of downloaded Batch API output files that were not read (not JSON, not a result, "
                        + "or over the line cap): skipped, not billed").register(registry);
        this.batchResultsMeteredBefore = Counter.builder("tollgate.batch.results.metered.before")
                .description("Results of Batch API output files downloaded again: forwarded, not billed twice")
                .register(registry);
        this.pricingSyncFailures = Counter.builder("tollgate.pricing.sync.failures")
                .description("pricing.sync fetches or catalogs that were not applied (the prices in effect stayed)")
                .register(registry);
        this.budgetStoreFailures = Counter.builder("tollgate.budget.store.failures")
                .description("Budget store operations that failed (on_store_failure applied)").register(registry);
        this.usageLogCounters = new UsageLogCounters() {
            @Override
            public void recordWritten() {
                logRecords.increment();
            }

            @Override
            public void failure() {
                logFailures.increment();
            }
        };
    }

    /**
     * One forwarded call, metered or not; {@code path} is the request path (non-metered paths count as {@code other});
     * {@code provider} the route's (null without routes).
     */
    public void request(String key, @Nullable String model, @Nullable String provider, String path, int status) {
        L5 labels = new L5(keys.admit(key), modelLabel(model), endpointLabel(path), statusLabel(status),
                providerLabel(provider));
        cached(requests, labels, l -> Counter.builder("tollgate.requests")
                .description("Calls forwarded to the upstream")
                .tags("key", l.a(), "model", l.b(), "endpoint", l.c(), "status", l.d(), "provider", l.e())
                .register(registry)).increment();
    }

    /** Tokens, cost and unpriced count of one usage record (the proxy calls it for each record, logged or not). */
    public void usage(UsageRecord r) {
        String key = keys.admit(r.key());
        String model = modelLabel(r.model());
        String provider = providerLabel(r.units().provider());
        TokenCounters t = cached(tokens, new L4(key, model, r.estimated() ? "true" : "false", provider),
                l -> new TokenCounters(registry, Tags.of("key", l.a(), "model", l.b(), "estimated", l.c(),
                        "provider", l.d())));
        t.add(r.inputTokens(), r.cachedInputTokens(), r.outputTokens(), r.reasoningTokens());
        units(model, r.units().counts());
        BigDecimal cost = r.costUsd();
        if (cost != null) {
            cached(costs, new L3(key, model, provider), l -> CostSum.register(registry, l.a(), l.b(), l.c())).add(cost);
        } else if (r.model() != null || r.error() == null) {
            // SPEC 5: a model with no price gets cost_usd null and counts here; SPEC 12: so does a complete call to an
            // endpoint tollgate does not price, under model "unknown" when it names none
            cached(unpriced, model, m -> Counter.builder("tollgate.unpriced.requests")
                    .description("Metered calls whose model has no price")
                    .tag("model", m).register(registry)).increment();
        }
    }

    /**
     * {@code tollgate_price_table_age_days}: whole days since the built-in prices of the table in effect were taken,
     * read at each scrape (a reload's table is seen at once).
     */
    public void priceTableAge(Supplier<PricingTable> table, Clock clock) {
        Gauge.builder("tollgate.price.table.age.days", () -> table.get().ageDays(LocalDate.now(clock)))
                .description("Days since the built-in price table was retrieved").register(registry);
    }

    /**
     * {@code tollgate_budget_evictions_total}: scope members (keys, users, tag values) whose in-process budget
     * counters were dropped to stay within the store's bound (SPEC 11: bounded), read at each scrape.
     */
    public void budgetEvictions(LongSupplier evicted) {
        FunctionCounter.builder("tollgate.budget.evictions", evicted,
                        e -> e.getAsLong())
                .description("Budget accounts dropped from the in-process store at its bound").register(registry);
    }

    /**
     * A call whose response named a service tier its model has no price for (SPEC 12): it was billed at the
     * standard prices, and counted here, never dropped.
     */
    public void unpricedTier(@Nullable String model) {
        cached(unpricedTiers, modelLabel(model), m -> Counter.builder("tollgate.unpriced.tier")
                .description("Calls at a service tier their model has no price for, billed at standard prices")
                .tag("model", m).register(registry)).increment();
    }

    /** {@code tollgate_units_total{model, unit}}: SPEC 12's units besides text tokens; zero counts touch nothing. */
    private void units(String model, UnitCounts u) {
        if (u.isZero()) {
            return;
        }
        List<Number> values = u.values();
        for (int i = 0; i < values.size(); i++) {
            double v = values.get(i).doubleValue();
            if (v > 0) {
                unitCounter(model, UnitCounts.NAMES.get(i)).increment(v);
            }
        }
    }

    private Counter unitCounter(String model, String unit) {
        return cached(units, new L2(model, unit), l -> Counter.builder("tollgate.units")
                .description("Units metered besides text tokens (SPEC 12), by unit")
                .tags("model", l.a(), "unit", l.b()).register(registry));
    }

    /**
     * Timings of one call, by the upstream it went to ({@code provider}: the route's, null without routes); a
     * negative value (e.g. no first byte) is not recorded.
     *
     * @param overheadNanos the time tollgate itself added: total minus the time spent waiting on the upstream
     */
    public void latency(@Nullable String provider, String path, boolean stream, long totalNanos, long ttfbNanos,
                        long overheadNanos) {
        cached(latencies, new L3(endpointLabel(path), stream ? "true" : "false", providerLabel(provider)),
                l -> new LatencyTimers(registry, Tags.of("endpoint", l.a(), "stream", l.b(), "provider", l.c())))
                .record(totalNanos, ttfbNanos, overheadNanos);
    }

    /**
     * {@code tollgate_upstream_connect_errors_total{provider}}: a connection to an upstream (a route's, or the one
     * upstream: {@code provider} null) that could not be opened; the call it was for was answered 502.
     */
    public void upstreamConnectError(@Nullable String provider) {
        cached(connectErrors, providerLabel(provider), p -> Counter.builder("tollgate.upstream.connect.errors")
                .description("Connections to an upstream that could not be opened, by the route's provider")
                .tag("provider", p).register(registry)).increment();
    }

    /** Sets the budget gauges of a key's window ({@code window} as in config: {@code daily}, {@code monthly}, ...). */
    public void budget(String key, String window, BigDecimal limit, BigDecimal spent, BigDecimal remaining) {
        budget(key, window, limit, spent, remaining, null, Clock.systemUTC());
    }

    /**
     * {@link #budget(String, String, BigDecimal, BigDecimal, BigDecimal)} of a window that ends at {@code until} by
     * {@code clock} (null: never): scraped after that, the gauges read nothing spent and the whole limit left.
     */
    public void budget(String key, String window, BigDecimal limit, BigDecimal spent, BigDecimal remaining,
            @Nullable Instant until, Clock clock) {
        cached(budgets, new L2(keys.admit(key), window), l -> new BudgetGauges(registry, Tags.of("key", l.a(), "window", l.b())))
                .set(limit, spent, remaining, until, clock);
    }

    /**
     * After a reload: removes the budget gauges of every key and window {@code budgeted} no longer names, so a
     * dropped key or window does not keep exporting its last values. The {@code other} key's gauges stay.
     */
    public void retainBudgets(BiPredicate<String, String> budgeted) {
        budgets.forEach((l, g) -> {
            if (!LabelCap.OTHER.equals(l.a()) && !budgeted.test(l.a(), l.b()) && budgets.remove(l, g)) {
                g.remove(registry);
            }
        });
    }

    /**
     * A call of {@code key} refused by a {@code scope} budget ({@code key}, {@code user}, {@code tag}, {@code model},
     * {@code global}: SPEC 11); the scope's member (a user id, a tag value) is never a label.
     */
    public void budgetRejection(String key, String scope, String window) {
        keyWindowCounter(rejections, "tollgate.budget.rejections", "Calls refused with 429 budget_exceeded", key, scope,
                window).increment();
    }

    /**
     * A call refused with 429 {@code rate_limit_exceeded} (SPEC 11): the key that called, the scope that refused
     * ({@code key}, {@code user}, {@code global}) and the kind ({@code requests}, {@code tokens}).
     */
    public void rateLimitRejection(String key, String scope, String kind) {
        cached(rateLimited, new L3(keys.admit(key), scope, kind), l -> Counter.builder("tollgate.rate.limit.rejections")
                .description("Calls refused with 429 rate_limit_exceeded").tags("key", l.a(), "scope", l.b(), "kind", l.c())
                .register(registry)).increment();
    }

    /** An alert fraction crossed; {@code key} is the key id for a key's budget, empty for the other scopes. */
    public void budgetAlert(String key, String scope, String window) {
        keyWindowCounter(alerts, "tollgate.budget.alerts", "Budget alert fractions crossed", key, scope, window)
                .increment();
    }

    public void backpressurePause() {
        backpressurePauses.increment();
    }

    public void heldBackOverflow() {
        heldBackOverflows.increment();
    }

    public void upstreamUsageInvalid() {
        usageInvalid.increment();
    }

    public void unreadableEncoding() {
        unreadableEncodings.increment();
    }

    /** Lines of a downloaded batch output file that could not be read (SPEC 12: skipped, counted). */
    public void batchLinesUnparsed(long lines) {
        batchLinesUnparsed.increment(lines);
    }

    /** Results of a batch output file that an earlier download metered already (not billed again). */
    public void batchResultsMeteredBefore(long results) {
        batchResultsMeteredBefore.increment(results);
    }

    public void pricingSyncFailure() {
        pricingSyncFailures.increment();
    }

    public void budgetStoreFailure() {
        budgetStoreFailures.increment();
    }

    /** The counters to give {@code UsageLogWriter.start}. */
    public UsageLogCounters usageLogCounters() {
        return usageLogCounters;
    }

    /** The exposition for a request's {@code Accept} header: OpenMetrics when asked for, else Prometheus text. */
    public String scrape(@Nullable String accept) {
        return registry.scrape(contentType(accept));
    }

    /** The {@code Content-Type} of {@link #scrape(String)}'s answer for the same {@code Accept} header. */
    public static String contentType(@Nullable String accept) {
        return accept != null && accept.contains("application/openmetrics-text")
                ? CONTENT_TYPE_OPENMETRICS
                : CONTENT_TYPE_PROMETHEUS;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The endpoint label: a metered endpoint's path, else {@code other} (paths carry ids: /v1/files/file-abc...). */
    static String endpointLabel(String path) {
        int q = path.indexOf('?');
        Endpoint e = Endpoint.ofPath(q < 0 ? path : path.substring(0, q));
        return e == null ? LabelCap.OTHER : e.path();
    }

    private String modelLabel(@Nullable String model) {
        return model == null || model.isEmpty() ? UNKNOWN_MODEL : models.admit(model);
    }

    private String providerLabel(@Nullable String provider) {
        return provider == null || provider.isEmpty() ? NO_PROVIDER : providers.admit(provider);
    }

    private static String statusLabel(int status) {
        return status >= 0 && status < STATUS.length ? STATUS[status] : LabelCap.OTHER;
    }

    private Counter keyWindowCounter(ConcurrentHashMap<L3, Counter> map, String name, String description,
                                     String key, String scope, String window) {
        return cached(map, new L3(key.isEmpty() ? key : keys.admit(key), scope, window), l -> Counter.builder(name)
                .description(description).tags("key", l.a(), "scope", l.b(), "window", l.c()).register(registry));
    }

    // get() first: computeIfAbsent may lock the bin even when the meter exists, and this is every call
    private static <K, V> V cached(ConcurrentHashMap<K, V> map, K labels, Function<K, V> create) {
        V v = map.get(labels);
        return v != null ? v : map.computeIfAbsent(labels, create);
    }

    private record L2(String a, String b) {
    }

    private record L3(String a, String b, String c) {
    }

    private record L4(String a, String b, String c, String d) {
    }

    private record L5(String a, String b, String c, String d, String e) {
    }

    /** {@code tollgate_tokens_total} of one key, model and estimated flag, one counter per token type. */
    private static final class TokenCounters {
        private final Counter input;
        private final Counter cachedInput;
        private final Counter output;
        private final Counter reasoning;

        TokenCounters(PrometheusMeterRegistry registry, Tags tags) {
            input = counter(registry, tags, "input");
            cachedInput = counter(registry, tags, "cached_input");
            output = counter(registry, tags, "output");
            reasoning = counter(registry, tags, "reasoning");
        }

        private static Counter counter(PrometheusMeterRegistry registry, Tags tags, String type) {
            return Counter.builder("tollgate.tokens").description("Tokens metered, by type")
                    .tags(tags).tag("type", type).register(registry);
        }

        void add(long in, long cached, long out, long reasoningTokens) {
            input.increment(in);
            cachedInput.increment(cached);
            output.increment(out);
            reasoning.increment(reasoningTokens);
        }
    }
}

package tollgate.proxy;

import tollgate.metering.log.ReservationJournal;
import tollgate.metering.otel.OtelExport;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.BudgetWindow;
import tollgate.config.ConfigException;
import tollgate.config.ConfigWatcher;
import tollgate.config.TollgateConfig;
import tollgate.config.StoreConfig;
import tollgate.metering.budget.BudgetAlert;
import tollgate.metering.budget.BudgetAlertWebhook;
import tollgate.metering.budget.BudgetEvents;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.BudgetScope;
import tollgate.metering.budget.BudgetScopes;
import tollgate.metering.budget.BudgetStore;
import tollgate.metering.budget.LedgerRebuild;
import tollgate.metering.budget.LocalBudgetStore;
import tollgate.metering.budget.RateLimiter;
import tollgate.metering.estimate.TokenEstimator;
import tollgate.metering.log.UsageLogRetention;
import tollgate.metering.log.UsageLogWriter;
import tollgate.metering.log.UsageRecordJson;
import tollgate.metering.log.WrittenRecord;
import tollgate.metering.report.CellSource;
import tollgate.metering.report.StatsCalculator;
import tollgate.metering.store.PostgresCellSource;
import tollgate.metering.store.PostgresRecentCalls;
import tollgate.metering.store.PostgresSpend;
import tollgate.metering.store.PostgresStore;
import tollgate.metering.store.StoreException;
import tollgate.metering.store.StoreShipper;
import tollgate.metering.metrics.TollgateMetrics;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.pricing.CatalogImport;
import tollgate.metering.pricing.CatalogSync;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import tollgate.metering.budget.BudgetRow;
import tollgate.metering.report.BudgetStatus;
import tollgate.metering.report.CallCostSplit;
import tollgate.metering.report.StatsContext;
import tollgate.metering.report.StatsFormatter;
import tollgate.metering.report.StatsQuery;
import tollgate.metering.report.StatsReport;
import tollgate.metering.report.UsageAggregates;
import tollgate.metering.report.WarningEvents;
import tollgate.metering.report.WarningsCache;
import tollgate.proxy.admin.AdminRoutes;
import tollgate.proxy.admin.UsageFeed;
import tollgate.metering.call.CallAccounting;
import tollgate.metering.call.CallRecorder;
import tollgate.config.ServerConfig;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import tollgate.proxy.relay.JournalBatches;
import tollgate.proxy.relay.MeteringGate;
import tollgate.proxy.relay.MeteringState;
import tollgate.proxy.server.InFlight;
import tollgate.proxy.server.TollgateServer;

/** A running tollgate: the server and the metering parts behind it, started and stopped together. */
public final class TollgateApp implements AutoCloseable {
    /** How long a stop waits for the log's backlog to reach log.store (issue 20). */
    private static final Duration STORE_STOP_GRACE = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(TollgateApp.class);
    /** How long a returning account's rebuild waits for the log to catch up with settled calls. */
    private static final long REBUILD_BARRIER_SECONDS = 30;
    /** How often {@code alerts.warnings} looks at today's calls. */
    static final Duration WARNINGS_EVERY = Duration.ofMinutes(5);

    private final TollgateConfig config;
    private final @Nullable ConfigSource source;
    private final Map<String, String> env;
    private final Clock clock;
    private final PrometheusMeterRegistry registry;
    private final TollgateMetrics metrics;
    private final UsageLogWriter writer;
    private final @Nullable OtelExport otel;
    private final @Nullable StoreShipper shipper;
    /** With log.store: the fleet's cells, which the usage reports read (issue 20); null without. */
    private final @Nullable CellSource fleet;
    private final FleetReads fleetReads = new FleetReads();
    private final AtomicReference<MeteringState> state;
    private final BudgetStore store;
    private final @Nullable BudgetAlertWebhook webhook;
    private final AtomicReference<BudgetLedger> ledger = new AtomicReference<>();
    private final CallAccounting accounting;
    private final UsageFeed feed;
    private final UsageAggregates aggregates;
    /** Reads of the log for a report (a key's calls folded into other in memory, a fleet's old range) at once. */
    static final int LOG_READS = 2;
    private final java.util.concurrent.Semaphore logReads = new java.util.concurrent.Semaphore(LOG_READS);
    private final ExecutorService adminWork;
    private final ExecutorService offload;
    private final @Nullable ConfigWatcher watcher;
    private final @Nullable ScheduledExecutorService retention;
    private final WarningsCache warnings;
    /** {@code alerts.warnings}: today's spend warnings to the webhook, and their schedule; null when not asked. */
    private final @Nullable WarningEvents warningCheck;
    private final @Nullable ScheduledExecutorService warningEvents;
    private final TollgateServer server;
    private volatile boolean stopped;
    private final @Nullable CatalogSync catalogSync;
    /** The last catalog pricing.sync applied; read and replaced under this object's lock. */
    private CatalogImport.@Nullable Result catalog;

    private TollgateApp(TollgateConfig config, @Nullable ConfigSource source, Map<String, String> env, Clock clock)
            throws IOException, InterruptedException {
        this.config = config;
        this.source = source;
        this.env = env;
        this.clock = clock;
        PricingTable pricing;
        // pricing.sync: the last good catalog applies from the start (a restart needs no network), under pricing.file
        this.catalogSync = config.pricingSync() == null ? null : new CatalogSync(config.pricingSync(), config.log().dir(),
                clock, this::applyCatalog, this::pricingSyncFailed);
        this.catalog = catalogSync == null ? null : catalogSync.cached();
        try {
            pricing = PricingTable.load(catalog, config.pricingFile());
        } catch (PricingException e) {
            throw new IOException("pricing.file: " + String.join("; ", e.errors()), e);
        }
        this.state = new AtomicReference<>(MeteringState.of(config, pricing, env));
        // latest calls with their input/output cost split, at the prices in effect when shown
        this.feed = new UsageFeed(w -> CallCostSplit.line(w.record(), w.line(), state.get().pricing()));
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.metrics = new TollgateMetrics(registry, config.metrics());
        metrics.priceTableAge(() -> state.get().pricing(), clock);
        String stale = pricing.staleWarning(LocalDate.now(clock));
        if (stale != null) {
            // once, at start-up: the table is built into the jar, so its age only grows with the running version
            log.warn("{}", stale);
        }
        try {
            java.nio.file.Files.createDirectories(config.log().dir());
        } catch (IOException e) {
            throw new IOException("log.dir: cannot create " + config.log().dir() + " (" + e.getMessage() + ")", e);
        }
        // log.store: a database that does not answer refuses the start, before anything else is opened (issue 20)
        PostgresStore logStore = openLogStore(config.log().store());
        // calls a killed process had in flight: charged at their worst case before anything reads the log (issue 17)
        List<ReservationJournal.Hold> restarted = ReservationJournal.recover(config.log().dir(), clock.instant());
        if (!restarted.isEmpty()) {
            log.warn("{} budgeted calls were in flight when tollgate last stopped: recorded at their worst case "
                    + "(error {})", restarted.size(), ReservationJournal.RESTARTED);
        }
        this.store = openStore(config);
        if (store instanceof LocalBudgetStore local) {
            metrics.budgetEvictions(local::evicted);
        }
        this.writer = UsageLogWriter.start(config.log(), metrics.usageLogCounters());
        // the log is the spool: the shipper follows it to the database from its own thread, never the request path
        this.shipper = config.log().store() == null ? null
                : StoreShipper.start(config.log().store(), config.log().dir(), clock, logStore, registry);
        if (shipper != null) {
            writer.addListener(shipper::written);
        }
        this.fleet = config.log().store() == null ? null : new PostgresCellSource(config.log().store());
        this.aggregates = new UsageAggregates(UsageAggregates.Caps.of(config.metrics()), clock);
        // per-day aggregates answer /admin/usage without re-reading files (SPEC 10); built once, then fed live
        aggregates.load(config.log().dir());
        writer.addListener(w -> aggregates.add(w.record()));
        this.warnings = new WarningsCache(config.log().dir(), clock);
        writer.addListener(feed);
        // one OpenTelemetry span per written record, on the writer's thread (issue 20); off without otel.endpoint
        this.otel = OtelExport.start(config.otel());
        if (otel != null) {
            otel.bind(registry);
            writer.addListener(otel);
        }
        this.webhook = config.alertWebhookUrl() == null ? null : new BudgetAlertWebhook(config.alertWebhookUrl());
        this.ledger.set(BudgetLedger.create(store, config.budgets(), clock, budgetEvents(), webhook));
        if (!(store instanceof LocalBudgetStore)) {
            // a shared store is not rebuilt from this replica's log: charge it what the journal recovered
            for (ReservationJournal.Hold h : restarted) {
                ledger.get().record(state.get().budgetsOf(h.key(), h.user(), h.tags(), h.pricedAs()), h.usd(), h.tokens());
            }
        }
        ServerConfig sc = config.server();
        // past its queue a prompt is tokenized on the event loop that asked: slower, never lost (SPEC 7 reserve)
        this.offload = boundedPool("tollgate-offload", sc.offloadThreads(), sc.offloadQueue(), new ThreadPoolExecutor.CallerRunsPolicy());
        // o200k_base is loaded with the estimator; cl100k_base (gpt-4/3.5 only) on first use, never on an event loop
        TokenEstimator estimator = TokenEstimator.shared().withOffload(offload);
        this.accounting = new CallAccounting(new CallRecorder(estimator, config.limits().maxUsageTokens()), () -> state.get().pricing(), writer, metrics,
                ledger::get, clock, sc.accountingQueue());
        if (store instanceof LocalBudgetStore local) {
            // a user or tag value dropped past the store's bound is rebuilt from the log when it returns (SPEC 11):
            // once every call settled before the scan has its record written, the scan misses none of them
            local.rebuildReturning((accounts, counted) -> {
                accounting.drained().get(REBUILD_BARRIER_SECONDS, TimeUnit.SECONDS);
                TollgateConfig now = state.get().config();
                return new LedgerRebuild(now.log().dir(), now.budgets().timezone(), clock).spendOf(accounts,
                        LedgerRebuild.windowsIn(now), new BudgetScopes(now.budgets()), counted);
            });
        }
        // rate-limit buckets live beside the budget counters: in Redis for a fleet, else here (SPEC 11)
        RateLimiter limiter = RateLimiter.beside(store, clock, () -> state.get().config().budgets().onStoreFailure(),
                budgetEvents());
        MeteringGate gate = new MeteringGate(state::get, accounting, estimator, ledger::get, () -> limiter, clock,
                new JournalBatches(writer::holdAll));
        this.adminWork = boundedPool("tollgate-admin", sc.adminThreads(), 1_024, new ThreadPoolExecutor.AbortPolicy());
        TollgateAdmin admin = new TollgateAdmin(state::get, ledger::get, feed, this::reload, usageQuery(), adminWork,
                fleetRecent(config), fleetReads);
        AtomicReference<InFlight> inFlight = new AtomicReference<>();
        AdminRoutes routes = new AdminRoutes(inFlight::get, accept -> new String[] {
                TollgateMetrics.contentType(accept), metrics.scrape(accept)}, config.adminToken(), admin);
        try {
            this.server = TollgateServer.start(config, gate, routes, env);
        } catch (IOException | InterruptedException | RuntimeException e) {
            closeMetering();
            throw e;
        }
        // after the start-up reads of the log (aggregates, budget rebuild): they must not see a day half compressed
        this.retention = retention(config.log(), shipper, clock);
        this.warningCheck = config.alertWarnings() && webhook != null
                ? new WarningEvents(config.log().dir(), aggregates, webhook::offer, clock) : null;
        this.warningEvents = warningCheck == null ? null : warningEvents(warningCheck);
        inFlight.set(server.inFlight());
        server.inFlight().onPause(metrics::backpressurePause);
        server.inFlight().onHeldBackOverflow(metrics::heldBackOverflow);
        server.inFlight().onUpstreamConnectFailed(metrics::upstreamConnectError);
        this.watcher = source != null && config.source() != null
                ? new ConfigWatcher(config.source(), Duration.ofSeconds(2), () -> {
                    List<String> errors = reload();
                    if (!errors.isEmpty()) {
                        log.warn("config file changed but was refused, the running config stays: {}", String.join("; ", errors));
                    }
                })
                : null;
        if (catalogSync != null) {
            catalogSync.start();
        }
    }

    /**
     * Connects to {@code log.store} and migrates its schema; null without a store, or when it does not answer and
     * {@code log.store_optional} lets tollgate start anyway (the shipper connects later).
     *
     * @throws IOException one line naming {@code log.store} (never the password): start-up refuses
     */
    private static @Nullable PostgresStore openLogStore(@Nullable StoreConfig store) throws IOException {
        if (store == null) {
            return null;
        }
        try {
            return PostgresStore.open(store);
        } catch (StoreException e) {
            if (!store.optional()) {
                throw new IOException(e.getMessage(), e);
            }
            log.warn("{} (log.store_optional: starting without it; records spool in the usage log and ship when it "
                    + "answers)", e.getMessage());
            return null;
        }
    }

    /** Hourly log retention on a thread of its own, off the request path; null when the config asks for none. */
    private static @Nullable ScheduledExecutorService retention(tollgate.config.LogConfig usageLog,
                                                                @Nullable StoreShipper shipper, Clock clock) {
        if (!usageLog.retains()) {
            return null;
        }
        // with log.store, the log is its spool: a day not shipped yet is kept past retain_days
        UsageLogRetention job = shipper == null ? new UsageLogRetention(usageLog)
                : new UsageLogRetention(usageLog, shipper::unshippedFrom);
        ScheduledExecutorService s = scheduler("tollgate-log-retention");
        s.scheduleWithFixedDelay(() -> {
            try {
                job.run(clock.instant());
            } catch (RuntimeException e) {
                // a failed run is logged; the next hour tries again
                log.warn("usage log retention failed: {}", e.toString());
            }
        }, 0, 1, TimeUnit.HOURS);
        return s;
    }

    /**
     * Today's spend warnings, every {@link #WARNINGS_EVERY} on a thread of its own (it reads today's log and the
     * week before it), each new one POSTed to {@code alerts.webhook_url} through the budget alerts' sender.
     */
    private static ScheduledExecutorService warningEvents(WarningEvents events) {
        ScheduledExecutorService s = scheduler("tollgate-spend-warnings");
        s.scheduleWithFixedDelay(() -> {
            try {
                events.run();
            } catch (RuntimeException e) {
                // a failed scan is logged; the next one tries again
                log.warn("spend warnings for the webhook failed: {}", e.toString());
            }
        }, WARNINGS_EVERY.toSeconds(), WARNINGS_EVERY.toSeconds(), TimeUnit.SECONDS);
        return s;
    }

    /**
     * Runs {@code alerts.warnings}' check on the calling thread now, as its schedule does every
     * {@link #WARNINGS_EVERY}; returns the events offered to the webhook, -1 when the config does not ask for them.
     */
    public int checkWarningsNow() {
        return warningCheck == null ? -1 : warningCheck.run();
    }

    /** A single daemon thread for a scheduled job. */
    private static ScheduledExecutorService scheduler(String name) {
        return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** A fixed pool of daemon threads with a bounded queue; {@code full} says what happens past it. */
    private static ExecutorService boundedPool(String name, int threads, int queue, java.util.concurrent.RejectedExecutionHandler full) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }, full);
    }

    private TollgateAdmin.UsageQuery usageQuery() {
        return (params, onlyKey, budgets) -> {
            MeteringState s = state.get();
            StatsQuery q = StatsQuery.parse(params, LocalDate.now(clock.withZone(ZoneOffset.UTC)));
            if (onlyKey != null) {
                q = q.onlyKey(onlyKey);
            }
            List<BudgetStatus> statuses = new java.util.ArrayList<>();
            ZoneId zone = s.config().budgets().timezone();
            for (BudgetRow r : budgets) {
                // the budget-pace suggestion is per key (its spend is the key's in the log)
                if (r.limitUsd() != null && r.key() != null) {
                    statuses.add(new BudgetStatus(r.key(), BudgetWindow.parse(r.window()), r.limitUsd(), r.spentUsd(),
                            r.resetsAt() == null ? null : java.time.Instant.parse(r.resetsAt()).atZone(zone)));
                }
            }
            StatsContext context = new StatsContext(s.pricing(), statuses, clock);
            StatsReport report = report(q, context, s.config().log().dir());
            if (StatsQuery.warningsAsked(params)) {
                // the same scan as stats --warnings, of this replica's log, on this admin thread (cached a minute):
                // its outliers are a share of this replica's calls, not of the fleet's the report may count
                long calls = fleet == null ? report.summary().requests() : ownCalls(q, context, s.config().log().dir());
                report = report.withWarnings(warnings.warnings(q, calls));
            }
            return StatsFormatter.json(report);
        };
    }

    /**
     * The usage report (on an admin thread): with {@code log.store}, every replica's calls from the database's
     * rollups; else, or while the database does not answer (logged once per outage), this replica's own aggregates.
     * The same computation either way.
     */
    private StatsReport report(StatsQuery q, StatsContext context, Path logDir) {
        CellSource cells = fleet;
        if (cells == null) {
            return ownReport(q, context, logDir);
        }
        return fleetReads.read(() -> StatsCalculator.compute(q, cells, context), () -> ownReport(q, context, logDir));
    }

    /**
     * This replica's report: its in-memory aggregates, for the days they keep (an older range is refused, 400); for
     * one key over days where past the bound on keys calls were counted as key other (maybe that key's), the
     * log's calls of that key alone.
     */
    private StatsReport ownReport(StatsQuery q, StatsContext context, Path logDir) {
        aggregates.requireKept(q);
        if (q.filter().key() != null && aggregates.keysFolded(q.from(), q.to())) {
            return fromLog(q, context, logDir);
        }
        return aggregates.query(q, context);
    }

    /**
     * This replica's own calls in a fleet report's range, which its warnings' outliers are a share of: from memory,
     * or from its log for a range older than memory keeps.
     */
    private long ownCalls(StatsQuery q, StatsContext context, Path logDir) {
        if (q.from().isBefore(aggregates.firstDayKept())) {
            return fromLog(q, context, logDir).summary().requests();
        }
        return ownReport(q, context, logDir).summary().requests();
    }

    /** A report read from this replica's log; past {@link #LOG_READS} at once, refused for now (503). */
    private StatsReport fromLog(StatsQuery q, StatsContext context, Path logDir) {
        if (!logReads.tryAcquire()) {
            throw new java.util.concurrent.RejectedExecutionException(
                    "as many reads of the usage log for a report as tollgate runs at once are running");
        }
        try {
            return StatsCalculator.fromLog(logDir, q, context, 1);
        } finally {
            logReads.release();
        }
    }

    /**
     * With {@code log.store}: the newest records of every replica, from the database (blocking: an admin thread);
     * null without.
     */
    private TollgateAdmin.@Nullable RecentSource fleetRecent(TollgateConfig config) {
        if (config.log().store() == null) {
            return null;
        }
        PostgresRecentCalls calls = new PostgresRecentCalls(config.log().store());
        return (limit, key, model) -> calls.newest(limit, key, model).stream()
                .map(r -> new WrittenRecord(r, UsageRecordJson.toJson(r))).toList();
    }

    /**
     * Reads the config again (SIGHUP, {@code POST /admin/reload}, file change) and applies keys, budgets, prices
     * and routes (new upstream pools; the replaced ones drain); a config that does not load is refused with its
     * reasons and the running one stays. Settings that need a new socket or store (listen, upstream, log dir, budget
     * store) are reported as needing a restart.
     */
    public synchronized List<String> reload() {
        if (source == null) {
            return List.of("tollgate was started without a config file; nothing to reload");
        }
        TollgateConfig next;
        PricingTable pricing;
        try {
            next = source.load();
            pricing = PricingTable.load(catalog, next.pricingFile());
        } catch (ConfigException e) {
            return e.errors();
        } catch (PricingException e) {
            return e.errors().stream().map(m -> "pricing.file: " + m).toList();
        }
        MeteringState old = state.get();
        MeteringState built;
        try {
            // built before anything changes, so a config it refuses leaves everything as it was
            built = MeteringState.of(next, pricing, env);
        } catch (RuntimeException e) {
            return List.of(String.valueOf(e.getMessage()));
        }
        if (!old.config().routes().equals(next.routes())) {
            // before anything else changes: routes whose upstream cannot be set up refuse the whole reload
            try {
                server.replaceRoutes(next.routes(), env, next.caFile());
            } catch (IOException | RuntimeException e) {
                return List.of("routes: " + e.getMessage() + " (the routes in effect stay)");
            }
        }
        state.set(built);
        // gauges of keys and windows the new config no longer budgets stop being exported
        metrics.retainBudgets((key, window) -> built.budgetOf(key).limits().stream()
                .anyMatch(l -> l.window().id().equals(window)));
        ledger.set(ledger.get().withConfig(next.budgets()));
        List<String> restart = new java.util.ArrayList<>();
        TollgateConfig was = old.config();
        if (!was.listen().equals(next.listen())) restart.add("listen");
        if (!was.upstream().equals(next.upstream())) restart.add("upstream");
        if (!was.log().equals(next.log())) restart.add("log");
        if (!java.util.Objects.equals(was.budgets().redisUri(), next.budgets().redisUri())) restart.add("budgets.store");
        if (!was.timeouts().equals(next.timeouts()) || !was.limits().equals(next.limits())) restart.add("timeouts/limits");
        if (!java.util.Objects.equals(was.alertWebhookUrl(), next.alertWebhookUrl()) || was.alertWarnings() != next.alertWarnings()) restart.add("alerts");
        if (!was.metrics().equals(next.metrics())) restart.add("metrics");
        if (!was.server().equals(next.server())) restart.add("server");
        if (!java.util.Objects.equals(was.otel(), next.otel())) restart.add("otel");
        if (!java.util.Objects.equals(was.pricingSync(), next.pricingSync())) restart.add("pricing.sync");
        // the default upstream's pool keeps the CA it started with (new route pools take the new one)
        if (!java.util.Objects.equals(was.caFile(), next.caFile())) restart.add("tls.ca_file");
        log.info("config reloaded: {} keys, {} priced models{}", next.keys().size(), pricing.entries().size(),
                restart.isEmpty() ? "" : "; changes to " + String.join(", ", restart) + " apply after a restart");
        return List.of();
    }

    private BudgetStore openStore(TollgateConfig config) throws IOException {
        int bound = config.server().budgetAccounts();
        BudgetStore opened = BudgetStore.open(config.budgets(), bound);
        if (!(opened instanceof LocalBudgetStore local)) {
            return opened;
        }
        // spend survives a restart: the open windows are rebuilt from the usage log (SPEC 7)
        LedgerRebuild rebuild = new LedgerRebuild(config.log().dir(), config.budgets().timezone(), clock);
        BudgetScopes scopes = new BudgetScopes(config.budgets());
        // with log.store, every replica's spend from the database's rollups, not only this replica's (issue 20)
        LedgerRebuild.FleetSpend fleetSpend = config.log().store() == null ? null
                : new PostgresSpend(config.log().store(), config.log().dir());
        LedgerRebuild.Result r;
        try {
            r = rebuild.loadInto(local, LedgerRebuild.windowsIn(config), bound, scopes, fleetSpend);
        } catch (IOException e) {
            if (fleetSpend == null) {
                throw e;
            }
            log.warn("{}; budgets are rebuilt from this replica's usage log alone", e.getMessage());
            r = rebuild.loadInto(local, LedgerRebuild.windowsIn(config), bound, scopes, null);
        }
        if (r.records() > 0 || r.malformed() > 0) {
            log.info("budget ledger rebuilt from {} usage records in {} files ({} malformed lines skipped)",
                    r.records(), r.files(), r.malformed());
        }
        if (r.droppedKeys() > 0) {
            log.info("budget ledger: accounts past server.budget_accounts ({}) were not loaded; each is rebuilt from "
                    + "the usage log when it returns", bound);
        }
        return local;
    }

    private BudgetEvents budgetEvents() {
        return new BudgetEvents() {
            @Override
            public void onRejection(String keyId, BudgetScope scope, BudgetWindow window) {
                metrics.budgetRejection(keyId, scope.kind().id(), window.id());
            }

            @Override
            public void onAlert(BudgetAlert alert) {
                log.warn("{}", alert.describe());
                BudgetScope scope = alert.scope();
                metrics.budgetAlert(scope.kind() == BudgetScope.Kind.KEY ? scope.name() : "", scope.kind().id(),
                        alert.window().id());
            }

            @Override
            public void onRateLimited(String keyId, BudgetScope scope, String kind) {
                metrics.rateLimitRejection(keyId, scope.kind().id(), kind);
            }

            @Override
            public void onStoreFailure(Throwable cause) {
                // counted here; the ledger and the rate limiter log it (once per 10 s, with the policy in effect)
                metrics.budgetStoreFailure();
            }
        };
    }

    public static TollgateApp start(TollgateConfig config) throws IOException, InterruptedException {
        return start(config, null, System.getenv(), Clock.systemUTC());
    }

    public static TollgateApp start(TollgateConfig config, @Nullable ConfigSource source, Map<String, String> env, Clock clock)
            throws IOException, InterruptedException {
        TollgateApp app = new TollgateApp(config, source, env, clock);
        log.info("tollgate listening on {}:{}, upstream {} ({} transport)", config.listen().host(), app.port(),
                config.upstream(), app.server.transportName());
        return app;
    }

    public InetSocketAddress address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    /** How often a slow client made tollgate pause reading an upstream (backpressure). */
    public long backpressurePauses() {
        return server.backpressurePauses();
    }

    public TollgateConfig config() {
        return config;
    }

    public TollgateMetrics metrics() {
        return metrics;
    }

    /** The {@code /admin/budgets} rows now (blocking: for tests and the CLI, never an event loop). */
    public List<tollgate.metering.budget.BudgetRow> budgetRows() throws Exception {
        return ledger.get().snapshot(state.get().budgets(), state.get().scopes()).get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    public UsageLogWriter usageLog() {
        return writer;
    }

    /** Graceful stop: drain in-flight calls up to {@code grace}, then flush the usage log. */
    public synchronized void stop(Duration grace) {
        if (stopped) {
            return;
        }
        stopped = true;
        log.info("tollgate stopping: draining in-flight calls (up to {}s)", grace.toSeconds());
        server.stop(grace);
        closeMetering();
        log.info("tollgate stopped");
    }

    private void pricingSyncFailed() {
        metrics.pricingSyncFailure();
    }

    /** A catalog pricing.sync fetched and checked: the table in effect becomes built-in + catalog + pricing.file. */
    private synchronized void applyCatalog(CatalogImport.Result fetched) {
        MeteringState s = state.get();
        try {
            PricingTable pricing = PricingTable.load(fetched, s.config().pricingFile());
            catalog = fetched;
            state.set(MeteringState.of(s.config(), pricing, env));
        } catch (PricingException e) {
            pricingSyncFailed();
            log.warn("pricing.sync: not applied, the pricing file no longer loads: {}", String.join("; ", e.errors()));
        }
    }

    private void closeMetering() {
        if (catalogSync != null) {
            catalogSync.close();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (retention != null) {
            retention.shutdownNow();
        }
        if (warningEvents != null) {
            warningEvents.shutdownNow();
        }
        adminWork.shutdownNow();
        accounting.close();
        offload.shutdownNow();
        writer.close();
        if (shipper != null) {
            // after the log's last records are written: ship what can be within a bounded time, the rest next start
            shipper.close(STORE_STOP_GRACE);
        }
        if (otel != null) {
            otel.close();
        }
        if (webhook != null) {
            webhook.close();
        }
        try {
            store.close();
        } catch (Exception e) {
            log.warn("closing the budget store failed: {}", e.toString());
        }
        registry.close();
    }

    @Override
    public void close() {
        stop(config.shutdownGrace());
    }
}

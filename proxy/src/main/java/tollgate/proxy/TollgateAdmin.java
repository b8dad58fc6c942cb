package tollgate.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.BudgetRow;
import tollgate.metering.budget.BudgetScope;
import tollgate.metering.budget.KeyBudget;
import tollgate.metering.usage.FieldCap;
import tollgate.metering.key.ApiKeys;
import tollgate.metering.key.KeyIdentity;
import tollgate.metering.log.WrittenRecord;
import tollgate.metering.report.RecentCalls;
import tollgate.metering.report.StatsFilter;
import tollgate.proxy.admin.AdminRoutes;
import tollgate.proxy.admin.DashboardPage;
import tollgate.proxy.admin.UsageFeed;
import tollgate.proxy.relay.MeteringState;

/**
 * The admin API's backend: budgets from the ledger, usage from the in-memory aggregates, the newest records,
 * the live feed, config reload and the dashboard page. Anything that may take a while runs on {@code work},
 * never an event loop.
 */
final class TollgateAdmin implements AdminRoutes.Backend {
    // exact both ways: decimals read as BigDecimal and written without exponent
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** Reloads the config; returns the reasons it was refused (empty on success). */
    interface Reloader {
        List<String> reload();
    }

    /** The newest records of one key and one model when given, newest first (the fleet's with {@code log.store}). */
    interface RecentSource {
        List<WrittenRecord> newest(int limit, @Nullable String key, @Nullable String model);
    }

    /** The {@code stats} JSON of a query, optionally narrowed to one key. */
    interface UsageQuery {
        String json(Map<String, String> params, @Nullable String onlyKey, List<BudgetRow> budgets);
    }

    private final java.util.function.Supplier<MeteringState> state;
    private final java.util.function.Supplier<BudgetLedger> ledger;
    private final UsageFeed feed;
    private final Reloader reloader;
    private final UsageQuery usage;
    private final Executor work;
    /** Reads of the log for {@code /tollgate/v1/usage/recent} running now. */
    private final java.util.concurrent.atomic.AtomicInteger selfScans = new java.util.concurrent.atomic.AtomicInteger();
    /** The days {@code /tollgate/v1/usage/recent} reads back, today included. */
    static final int SELF_RECENT_DAYS = 31;
    /** The most of those reads at once; past it a caller gets 503 and retries. */
    static final int SELF_RECENT_SCANS = 2;
    private final @Nullable RecentSource fleetRecent;
    private final FleetReads reads;
    private final DashboardPage dashboard = DashboardPage.load();

    TollgateAdmin(java.util.function.Supplier<MeteringState> state, java.util.function.Supplier<BudgetLedger> ledger,
                  UsageFeed feed, Reloader reloader, UsageQuery usage, Executor work) {
        this(state, ledger, feed, reloader, usage, work, null, new FleetReads());
    }

    /**
     * @param fleetRecent the fleet's newest records ({@code log.store}), read on {@code work} through {@code reads}
     *                    (this replica's own while the database does not answer); null: this replica's
     */
    TollgateAdmin(java.util.function.Supplier<MeteringState> state, java.util.function.Supplier<BudgetLedger> ledger,
                  UsageFeed feed, Reloader reloader, UsageQuery usage, Executor work, @Nullable RecentSource fleetRecent,
                  FleetReads reads) {
        this.fleetRecent = fleetRecent;
        this.reads = reads;
        this.state = state;
        this.ledger = ledger;
        this.feed = feed;
        this.reloader = reloader;
        this.usage = usage;
        this.work = work;
    }

    @Override
    public CompletionStage<String> budgetsJson(Map<String, String> params) {
        MeteringState s = state.get();
        String scope = params.get("scope");
        String name = params.get("name");
        return ledger.get().snapshot(s.budgets(), s.scopes()).thenApply(rows -> write(rows.stream()
                .filter(r -> (scope == null || scope.equals(r.scope())) && (name == null || name.equals(r.name())))
                .toList()));
    }

    @Override
    public CompletionStage<List<String>> reload() {
        return CompletableFuture.supplyAsync(reloader::reload, work);
    }

    @Override
    public CompletionStage<String> usageJson(Map<String, String> params) {
        MeteringState s = state.get();
        return ledger.get().snapshot(s.budgets(), s.scopes())
                .thenApplyAsync(rows -> usage.json(params, null, rows), work);
    }

    /** The caller's key as the proxy reads it (SPEC 3); null without one, or with one refused. */
    private static @Nullable KeyIdentity caller(MeteringState s, HttpHeaders headers) {
        String raw = ApiKeys.fromHeaders(headers::get);
        if (raw == null) {
            return null;
        }
        KeyIdentity id = s.keys().identify(raw);
        return s.config().keysRequired() && !id.known() ? null : id;
    }

    @Override
    public CompletionStage<@Nullable String> selfRecentJson(HttpHeaders headers, int limit) {
        MeteringState s = state.get();
        KeyIdentity id = caller(s, headers);
        if (id == null) {
            return CompletableFuture.completedFuture(null);
        }
        // the log's tail, off the event loop: the caller's calls whether or not they are among the newest in memory;
        // any key may ask (keys_required off), so what it can make tollgate read is bounded: the last
        // SELF_RECENT_DAYS days, and SELF_RECENT_SCANS reads at once (503, worth retrying, past that)
        if (selfScans.incrementAndGet() > SELF_RECENT_SCANS) {
            selfScans.decrementAndGet();
            return CompletableFuture.failedFuture(new java.util.concurrent.RejectedExecutionException(
                    "as many reads of recent calls as tollgate runs at once are running"));
        }
        StatsFilter own = StatsFilter.NONE.withKey(id.id());
        java.time.LocalDate from = java.time.LocalDate.ofInstant(java.time.Instant.now(), java.time.ZoneOffset.UTC)
                .minusDays(SELF_RECENT_DAYS - 1L);
        CompletableFuture<@Nullable String> read;
        try {
            read = CompletableFuture.supplyAsync(() -> {
                try {
                    return RecentCalls.json(RecentCalls.read(s.config().log().dir(), limit, own, from));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, work);
        } catch (RuntimeException full) {
            selfScans.decrementAndGet();
            return CompletableFuture.failedFuture(full);
        }
        return read.whenComplete((json, failure) -> selfScans.decrementAndGet());
    }

    @Override
    public CompletionStage<@Nullable String> selfUsageJson(HttpHeaders headers, Map<String, String> params) {
        MeteringState s = state.get();
        KeyIdentity id = caller(s, headers);
        if (id == null) {
            return CompletableFuture.completedFuture(null);
        }
        Map<String, String> own = new java.util.LinkedHashMap<>(params);
        own.remove("key");
        // warnings read the log: the admin's to ask for, not any key holder's
        own.remove("warnings");
        // the key's budgets, and the user's when the call names one as a proxied call would (SPEC 11)
        Map<BudgetScope, KeyBudget> members = new java.util.LinkedHashMap<>();
        members.put(BudgetScope.key(id.id()), s.budgetOf(id));
        String user = FieldCap.cap(headers.get("x-tollgate-user"));
        if (user != null && !user.isEmpty()) {
            members.put(BudgetScope.user(user), s.scopes().user(user));
        }
        members.values().removeIf(KeyBudget::isEmpty);
        return ledger.get().rows(members).thenApplyAsync(mine -> {
            // the key's own stats plus its budget rows (SPEC 10)
            try {
                ObjectNode tree = (ObjectNode) JSON.readTree(usage.json(own, id.id(), mine));
                tree.set("budgets", JSON.valueToTree(mine));
                return JSON.writeValueAsString(tree);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }, work);
    }

    @Override
    public CompletionStage<String> recentJson(int limit, Map<String, String> params) {
        String key = params.get("key");
        String model = params.get("model");
        RecentSource fleet = fleetRecent;
        if (fleet == null) {
            return CompletableFuture.completedFuture(json(ownNewest(limit, key, model)));
        }
        return CompletableFuture.supplyAsync(() -> json(reads.read(() -> fleet.newest(limit, key, model),
                () -> ownNewest(limit, key, model))), work);
    }

    /** This replica's newest records, from memory. */
    private List<WrittenRecord> ownNewest(int limit, @Nullable String key, @Nullable String model) {
        Predicate<WrittenRecord> filter = r -> (key == null || key.equals(r.record().key()))
                && (model == null || model.equals(r.record().model()));
        return feed.recent(limit, filter);
    }

    private String json(List<WrittenRecord> records) {
        ArrayNode out = JSON.createArrayNode();
        for (WrittenRecord r : records) {
            try {
                out.add((ObjectNode) JSON.readTree(feed.shown(r)));
            } catch (JsonProcessingException e) {
                // a line we wrote ourselves always parses
            }
        }
        return out.toString();
    }

    @Override
    public UsageFeed feed() {
        return feed;
    }

    @Override
    public FullHttpResponse dashboard(ChannelHandlerContext ctx, String path) {
        return dashboard.answer(ctx.alloc(), path);
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

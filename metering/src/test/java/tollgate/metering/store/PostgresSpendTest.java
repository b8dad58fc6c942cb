package tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.ScopeBudgets;
import tollgate.config.StoreConfig;
import tollgate.config.StoreFailurePolicy;
import tollgate.config.UnpricedPolicy;
import tollgate.metering.budget.BudgetScope;
import tollgate.metering.budget.BudgetScopes;
import tollgate.metering.budget.BudgetWindows;
import tollgate.metering.budget.LedgerRebuild;
import tollgate.metering.budget.LocalBudgetStore;
import tollgate.metering.budget.WindowCounter;
import tollgate.metering.budget.WindowSlot;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.log.UsageRecordJson;

/**
 * With {@code log.store}, the in-process budget store's start-up rebuild counts every replica's calls from the
 * database's rollups, and this replica's own calls from its log (issue 20).
 */
class PostgresSpendTest {
    private static PostgresTestServer pg;

    @TempDir
    Path logDir;

    @BeforeAll
    static void startServer() {
        pg = PostgresTestServer.shared();
    }

    private static UsageRecord call(String id, String key, String user, String usd) {
        Instant ts = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(5);
        return new UsageRecord(ts, id, key, "/v1/chat/completions", "gpt-4o-mini", "gpt-4o-mini", false, 200, 100, 0,
                20, 0, 120, false, new BigDecimal(usd), 40, 10, user, Map.of("team", "search"), null);
    }

    private void logOwn(UsageRecord... records) throws Exception {
        Path day = logDir.resolve("usage-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl");
        StringBuilder lines = new StringBuilder();
        for (UsageRecord r : records) {
            lines.append(UsageRecordJson.toJson(r)).append('\n');
        }
        Files.writeString(day, lines, StandardCharsets.UTF_8);
    }

    private static void ship(StoreConfig store, String replica, UsageRecord... records) throws Exception {
        try (PostgresStore db = PostgresStore.open(store)) {
            // each record as a line of the replica's log: its day, and its place in that day's file
            List<PostgresStore.Row> rows = new java.util.ArrayList<>();
            for (int i = 0; i < records.length; i++) {
                rows.add(new PostgresStore.Row(LocalDate.ofInstant(records[i].ts(), ZoneOffset.UTC), 1000L * i,
                        records[i], Map.of()));
            }
            PostgresStore.Row last = rows.get(rows.size() - 1);
            db.ship(rows, replica, new PostgresStore.Place(last.day(), last.spoolOffset() + 1));
        }
    }

    private BigDecimal spent(LocalBudgetStore store, String account) {
        WindowSlot month = BudgetWindows.slot(BudgetWindow.MONTHLY, Instant.now(), ZoneOffset.UTC);
        WindowCounter c = store.read(account, List.of(month), Instant.now()).join().get(0);
        return c.spentUsd();
    }

    @Test
    void theRebuildCountsTheFleetsCallsPlusThisReplicasLinesTheDatabaseDoesNotHoldYet() throws Exception {
        StoreConfig store = pg.newStore("spend");
        BudgetsConfig budgets = new BudgetsConfig(BudgetMode.RESERVE, ZoneOffset.UTC, null, StoreFailurePolicy.ALLOW,
                List.of(), UnpricedPolicy.DENY, List.of(),
                new ScopeBudgets(List.of(new BudgetLimit(BudgetWindow.MONTHLY, new BigDecimal("50"), null)), Map.of()),
                Map.of(), Map.of());
        UsageRecord a1 = call("a-1", "app", "u1", "0.5");
        // replica b's calls are only in the database; replica a's first call in both
        ship(store, "a", a1);
        ship(store, "b", call("b-1", "app", "u1", "0.25"), call("b-2", "app", "u1", "0.25"), call("b-3", "app", "u2", "2"));
        logOwn(a1);
        // this log folder is replica a's (the shipper wrote its name there when it first shipped)
        Files.writeString(logDir.resolve("store-replica"), "a\n", StandardCharsets.UTF_8);
        LedgerRebuild rebuild = new LedgerRebuild(logDir, ZoneOffset.UTC, Clock.systemUTC());

        LocalBudgetStore fleet = new LocalBudgetStore();
        rebuild.loadInto(fleet, EnumSet.of(BudgetWindow.MONTHLY), 1000, new BudgetScopes(budgets), new PostgresSpend(store, logDir));
        LocalBudgetStore own = new LocalBudgetStore();
        rebuild.loadInto(own, EnumSet.of(BudgetWindow.MONTHLY), 1000, new BudgetScopes(budgets), null);

        String u1 = BudgetScope.user("u1").account();
        assertThat(spent(fleet, u1)).isEqualByComparingTo("1.0");
        assertThat(spent(fleet, BudgetScope.user("u2").account())).isEqualByComparingTo("2");
        assertThat(spent(fleet, "app")).isEqualByComparingTo("3.0");
        assertThat(spent(own, u1)).isEqualByComparingTo("0.5");

        // a's next calls not shipped yet (the database was down, or the replica crashed first): the fleet's sums
        // plus a's lines after the last one the database holds (was: the larger of the two, 1.75, which lost
        // either b's calls or a's backlog)
        logOwn(a1, call("a-2", "app", "u1", "0.75"), call("a-3", "app", "u1", "0.5"));
        LocalBudgetStore backlog = new LocalBudgetStore();
        rebuild.loadInto(backlog, EnumSet.of(BudgetWindow.MONTHLY), 1000, new BudgetScopes(budgets), new PostgresSpend(store, logDir));
        assertThat(spent(backlog, u1)).isEqualByComparingTo("2.25");
        assertThat(spent(backlog, "app")).isEqualByComparingTo("4.25");

        // a new replica's folder that never shipped (no store-replica): none of its lines is in the database, all
        // count on top of the fleet's
        Path newReplica = Files.createDirectory(logDir.resolve("c"));
        Files.writeString(newReplica.resolve("usage-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl"),
                UsageRecordJson.toJson(call("c-1", "app", "u1", "0.125")) + "\n", StandardCharsets.UTF_8);
        LocalBudgetStore fresh = new LocalBudgetStore();
        new LedgerRebuild(newReplica, ZoneOffset.UTC, Clock.systemUTC()).loadInto(fresh,
                EnumSet.of(BudgetWindow.MONTHLY), 1000, new BudgetScopes(budgets), new PostgresSpend(store, newReplica));
        assertThat(spent(fresh, u1)).isEqualByComparingTo("1.125");
    }
}

package tollgate.bench.jmh;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigLoader;
import tollgate.config.TollgateConfig;
import tollgate.metering.budget.BudgetDecision;
import tollgate.metering.budget.BudgetEvents;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.BudgetScopes;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.budget.KeyBudget;
import tollgate.metering.budget.LedgerSettings;
import tollgate.metering.budget.LocalBudgetStore;

/**
 * A budgeted call's ledger work (issue 16's benchmark, in process): reserve its worst case and settle its cost in
 * every scope of bench/tollgate-scopes.yaml (key, user of 10,000, team of 20, model, global) on the local store.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LedgerBenchmark {
    private static final BigDecimal WORST = new BigDecimal("0.0012");
    private static final BigDecimal COST = new BigDecimal("0.0000711");

    private BudgetLedger ledger;
    private BudgetScopes scopes;
    private KeyBudget key;
    private int i;

    @Setup
    public void setUp() throws Exception {
        Path yaml = Files.createTempFile("scopes", ".yaml");
        Files.writeString(yaml, """
                budgets:
                  default: [{window: monthly, usd: 1000000}]
                  global: [{window: daily, usd: 100000000}]
                  users:
                    default: [{window: monthly, usd: 1000000}]
                  tags:
                    team: {default: [{window: monthly, usd: 1000000}]}
                  models:
                    gpt-4o-mini: [{window: daily, usd: 100000000}]
                """);
        TollgateConfig config = new ConfigLoader(Map.of()).load(yaml, CliOverrides.NONE);
        scopes = new BudgetScopes(config.budgets());
        key = KeyBudget.of(List.of(new BudgetLimit(BudgetWindow.MONTHLY, new BigDecimal("1000000"), null)));
        ledger = BudgetLedger.create(new LocalBudgetStore(), LedgerSettings.of(config.budgets(), Clock.systemUTC()),
                BudgetEvents.NONE, null);
    }

    @Benchmark
    public Object reserveAndSettle() {
        int n = i++;
        CallBudgets budgets = scopes.of("key-" + (n % 100), key, "user-" + (n % 10_000),
                Map.of("team", "team-" + (n % 20)), "gpt-4o-mini");
        BudgetDecision d = ledger.reserve(budgets, WORST, 200).join();
        return ledger.settle(d.reservation(), COST, 150, "req-" + n).join();
    }
}

package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;

class LedgerConcurrencyTest {

    static final int CALLS = 50;
    static final List<BudgetLimit> ONE_DOLLAR = List.of(usdLimit(BudgetWindow.DAILY, "1.00"),
            usdLimit(BudgetWindow.MONTHLY, "100"));

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final ExecutorService pool = Executors.newFixedThreadPool(16);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void fiftyConcurrentReservationsAgainstABudgetForTenAllowExactlyTen() throws Exception {
        BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), settings(BudgetMode.RESERVE, clock),
                BudgetEvents.NONE, null);

        Outcome o = race(CALLS, i -> ledger, usd("0.10"), usd("0.10"));

        assertThat(o.allowed.get()).isEqualTo(10);
        assertThat(spent(ledger)).isEqualByComparingTo("1.00");
    }

    @Test
    void reservationsNeverOverspendWhenCallsCostLessThanTheirWorstCase() throws Exception {
        BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), settings(BudgetMode.RESERVE, clock),
                BudgetEvents.NONE, null);

        Outcome o = race(CALLS, i -> ledger, usd("0.30"), usd("0.07"));

        assertThat(o.allowed.get()).isGreaterThanOrEqualTo(3);
        assertThat(spent(ledger)).isLessThanOrEqualTo(new BigDecimal("1.00"));
        assertThat(spent(ledger)).isEqualByComparingTo(usd("0.07").multiply(BigDecimal.valueOf(o.allowed.get())));
    }

    @Test
    void afterModeOvershootIsBoundedByTheCallsInFlight() throws Exception {
        BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), settings(BudgetMode.AFTER, clock),
                BudgetEvents.NONE, null);

        Outcome o = race(CALLS, i -> ledger, usd("0.10"), usd("0.10"));

        BigDecimal overshootBound = usd("0.10").multiply(BigDecimal.valueOf(o.maxInFlight.get()));
        assertThat(spent(ledger)).isGreaterThanOrEqualTo(new BigDecimal("1.00"));
        assertThat(spent(ledger)).isLessThan(new BigDecimal("1.00").add(overshootBound));
        assertThat(await(ledger.reserve("k", ONE_DOLLAR, usd("0.10"), 0)).allowed()).isFalse();
    }

    static BigDecimal spent(BudgetLedger ledger) {
        return await(ledger.states("k", KeyBudget.of(ONE_DOLLAR))).get(0).spentUsd();
    }

    /** Counts of a race of {@code calls} reserve-then-settle calls started together. */
    static final class Outcome {
        final AtomicInteger allowed = new AtomicInteger();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
    }

    /** Each call reserves the worst case and, if allowed, settles the actual cost; the ledger may differ per call. */
    Outcome race(int calls, Function<Integer, BudgetLedger> ledgerFor, BigDecimal worst, BigDecimal actual) {
        KeyBudget budget = KeyBudget.of(ONE_DOLLAR);
        return race(calls, ledgerFor::apply, i -> CallBudgets.ofKey("k", budget), worst, actual, pool);
    }

    /**
     * {@code calls} reserve-then-settle calls started together on {@code pool}, each with its own ledger (a
     * replica) and budgets (its key, user, ...).
     */
    static Outcome race(int calls, IntFunction<BudgetLedger> ledgerFor, IntFunction<CallBudgets> budgetsFor,
            BigDecimal worst, BigDecimal actual, ExecutorService pool) {
        Outcome o = new Outcome();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            BudgetLedger ledger = ledgerFor.apply(i);
            CallBudgets budgets = budgetsFor.apply(i);
            done.add(CompletableFuture.runAsync(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                // in flight from the moment it asks until it settled: the after-mode bound counts these
                o.maxInFlight.accumulateAndGet(o.inFlight.incrementAndGet(), Math::max);
                BudgetDecision d = await(ledger.reserve(budgets, worst, 0));
                if (d.allowed()) {
                    o.allowed.incrementAndGet();
                    await(ledger.settle(d.reservation(), actual, 0));
                }
                o.inFlight.decrementAndGet();
            }, pool));
        }
        start.countDown();
        await(CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)));
        return o;
    }
}

package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;
import tollgate.config.BudgetsConfig;
import tollgate.config.FsyncMode;
import tollgate.config.LogConfig;
import tollgate.config.MetricsConfig;
import tollgate.metering.budget.BudgetDecision;
import tollgate.metering.budget.BudgetEvents;
import tollgate.metering.budget.BudgetLedger;
import tollgate.metering.budget.KeyBudget;
import tollgate.metering.budget.LocalBudgetStore;
import tollgate.metering.budget.WindowState;
import tollgate.metering.log.UsageLogWriter;
import tollgate.metering.metrics.TollgateMetrics;

/** The accounting thread: every finished call becomes one record, in batches; a refused hand-off frees its budget. */
class CallAccountingTest {
    @TempDir
    Path dir;

    final Clock clock = Clock.fixed(CallRecorderTest.NOW, ZoneOffset.UTC);
    final KeyBudget budget = KeyBudget.of(List.of(new BudgetLimit(BudgetWindow.DAILY, new BigDecimal("5"), null)));
    final BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), BudgetsConfig.DEFAULT, clock, BudgetEvents.NONE, null);

    CallAccounting accounting(UsageLogWriter writer, int capacity) {
        TollgateMetrics metrics = new TollgateMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), MetricsConfig.DEFAULT);
        return new CallAccounting(CallRecorderTest.RECORDER, () -> CallRecorderTest.PRICES, writer, metrics, () -> ledger,
                clock, capacity);
    }

    FinishedCall refusal(int i) {
        return new FinishedCall(CallRecorderTest.request(CallRecorderTest.CHAT, KeyBudget.NONE, null), null, "r-" + i,
                CallEnd.refused(Outcome.BUDGET_EXCEEDED, 429, 1_000, 2_000));
    }

    @Test
    void everyFinishedCallIsWrittenOnceInOrder() throws Exception {
        UsageLogWriter writer = UsageLogWriter.start(new LogConfig(dir, FsyncMode.NEVER, 65_536),
                new TollgateMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), MetricsConfig.DEFAULT).usageLogCounters());
        CallAccounting acc = accounting(writer, 1_024);
        for (int i = 0; i < 1_000; i++) {
            assertThat(acc.finish(refusal(i))).isTrue();
        }
        acc.close();
        writer.flush().get(10, TimeUnit.SECONDS);
        List<String> lines;
        try (Stream<Path> files = Files.list(dir)) {
            lines = Files.readAllLines(files.findFirst().orElseThrow());
        }
        assertThat(lines).hasSize(1_000);
        assertThat(lines.get(0)).contains("\"request_id\":\"r-0\"");
        assertThat(lines.get(999)).contains("\"request_id\":\"r-999\"");
        assertThat(acc.dropped()).isZero();
        writer.close();
    }

    @Test
    void drainedCompletesOnceTheRecordsOfEveryCallFinishedBeforeAreInTheLog() throws Exception {
        UsageLogWriter writer = UsageLogWriter.start(new LogConfig(dir, FsyncMode.NEVER, 65_536),
                new TollgateMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), MetricsConfig.DEFAULT).usageLogCounters());
        CallAccounting acc = accounting(writer, 1_024);
        // asked while the thread sleeps, with nothing to account: it wakes and answers
        acc.drained().get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 700; i++) {
            assertThat(acc.finish(refusal(i))).isTrue();
        }

        acc.drained().get(10, TimeUnit.SECONDS);

        List<String> lines;
        try (Stream<Path> files = Files.list(dir)) {
            lines = Files.readAllLines(files.findFirst().orElseThrow());
        }
        assertThat(lines).hasSize(700);
        acc.close();
        writer.close();
    }

    @Test
    void aRefusedHandOffReleasesItsReservationAndCounts() throws Exception {
        UsageLogWriter writer = UsageLogWriter.start(new LogConfig(dir, FsyncMode.NEVER, 65_536),
                new TollgateMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), MetricsConfig.DEFAULT).usageLogCounters());
        CallAccounting acc = accounting(writer, 16);
        BudgetDecision d = ledger.reserve("storybot", budget, new BigDecimal("4"), 1000).get();
        assertThat(reserved()).isEqualByComparingTo("4");
        acc.close(); // a stopped accounting refuses every hand-off, like a full queue
        FinishedCall call = new FinishedCall(CallRecorderTest.request(CallRecorderTest.CHAT, budget, d.reservation()), null, null,
                CallEnd.clientGoneBeforeForwarding(1_000, 2_000));
        assertThat(acc.finish(call)).isFalse();
        assertThat(acc.dropped()).isEqualTo(1);
        assertThat(reserved()).isEqualByComparingTo("0");
        writer.close();
    }

    BigDecimal reserved() throws Exception {
        return ledger.states("storybot", budget).get(5, TimeUnit.SECONDS).get(0).reservedUsd();
    }
}

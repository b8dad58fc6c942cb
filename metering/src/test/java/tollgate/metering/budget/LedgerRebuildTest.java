package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetsConfig;
import tollgate.config.KeyConfig;
import tollgate.config.TollgateConfig;
import tollgate.config.BudgetWindow;
import tollgate.config.StoreFailurePolicy;

class LedgerRebuildTest {

    @TempDir
    Path logDir;

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final LocalBudgetStore store = new LocalBudgetStore();
    private final BudgetLedger ledger = BudgetLedger.create(store, settings(BudgetMode.RESERVE, clock),
            BudgetEvents.NONE, null);
    private final List<BudgetLimit> limits = List.of(usdLimit(BudgetWindow.DAILY, "5"),
            usdLimit(BudgetWindow.WEEKLY, "20"), usdLimit(BudgetWindow.MONTHLY, "50"));

    private static String line(String ts, String key, String cost, long tokens) {
        return "{\"ts\":\"" + ts + "\",\"request_id\":\"r\",\"key\":\"" + key + "\","
                + "\"endpoint\":\"/v1/chat/completions\",\"model\":\"gpt-4o-mini\",\"stream\":true,\"status\":200,"
                + "\"input_tokens\":1,\"total_tokens\":" + tokens + ",\"estimated\":false,\"cost_usd\":" + cost
                + ",\"tags\":{\"operation\":\"rag\"},\"error\":null}";
    }

    private void write(String day, String... lines) throws IOException {
        Files.write(logDir.resolve("usage-" + day + ".jsonl"), List.of(lines), StandardCharsets.UTF_8);
    }

    private WindowState state(String key, int window) {
        return await(ledger.states(key, KeyBudget.of(limits))).get(window);
    }

    private static String scopedLine(String ts, String key, String cost, String user, String team, String pricedAs) {
        return "{\"ts\":\"" + ts + "\",\"request_id\":\"r\",\"key\":\"" + key + "\","
                + "\"endpoint\":\"/v1/chat/completions\",\"model\":\"" + pricedAs + "-2024-08-06\",\"priced_as\":\""
                + pricedAs + "\",\"stream\":false,\"status\":200,\"input_tokens\":1,\"total_tokens\":3,"
                + "\"estimated\":false,\"cost_usd\":" + cost + ",\"user\":\"" + user + "\","
                + "\"tags\":{\"team\":\"" + team + "\",\"operation\":\"rag\"},\"error\":null}";
    }

    @Test
    void userTagModelAndGlobalSpendIsRebuiltFromTheLog() throws IOException {
        write("2026-11-21", scopedLine("2026-11-21T12:00:00Z", "a", "2", "123", "search", "gpt-4o"));
        write("2026-11-22",
                scopedLine("2026-11-22T08:00:00Z", "b", "1.5", "123", "ads", "gpt-4o-mini"),
                scopedLine("2026-11-22T09:00:00Z", "a", "0.25", "456", "search", "gpt-4o"));
        BudgetsConfig config = ScopedBudgetsTest.scoped(List.of(usdLimit(BudgetWindow.DAILY, "10")),
                ScopedBudgetsTest.monthly("50"), java.util.Map.of("team", ScopedBudgetsTest.monthly("500")),
                java.util.Map.of("gpt-4o", List.of(usdLimit(BudgetWindow.MONTHLY, "100"))));

        LedgerRebuild.Result r = new LedgerRebuild(logDir, ZoneOffset.UTC, clock).loadInto(store,
                EnumSet.of(BudgetWindow.DAILY, BudgetWindow.MONTHLY), 1000, new BudgetScopes(config));

        assertThat(r.records()).isEqualTo(3);
        KeyBudget monthly = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "1")));
        KeyBudget daily = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "1")));
        assertThat(spent(BudgetScope.user("123"), monthly)).isEqualByComparingTo("3.5");
        assertThat(spent(BudgetScope.user("456"), monthly)).isEqualByComparingTo("0.25");
        assertThat(spent(BudgetScope.tag("team", "search"), monthly)).isEqualByComparingTo("2.25");
        assertThat(spent(BudgetScope.tag("team", "ads"), monthly)).isEqualByComparingTo("1.5");
        assertThat(spent(BudgetScope.model("gpt-4o"), monthly)).isEqualByComparingTo("2.25");
        assertThat(spent(BudgetScope.model("gpt-4o-mini"), monthly)).isEqualByComparingTo("0");
        assertThat(spent(BudgetScope.GLOBAL, daily)).isEqualByComparingTo("1.75");
        assertThat(spent(BudgetScope.GLOBAL, monthly)).isEqualByComparingTo("3.75");
        assertThat(spent(BudgetScope.tag("operation", "rag"), monthly)).isEqualByComparingTo("0");
    }

    private java.math.BigDecimal spent(BudgetScope scope, KeyBudget budget) {
        return await(ledger.states(scope.account(), budget)).get(0).spentUsd();
    }

    @Test
    void spendOfTheOpenWindowsIsLoadedFromTheUsageLog() throws IOException {
        write("2026-10-31", line("2026-10-31T23:00:00Z", "storybot", "9", 1)); // last month: no window open
        write("2026-11-15", line("2026-11-15T12:00:00Z", "storybot", "2", 10)); // this month, last week
        write("2026-11-16", line("2026-11-16T08:00:00Z", "storybot", "1.5", 20)); // this week (Monday)
        write("2026-11-22",
                line("2026-11-22T01:00:00.5Z", "storybot", "0.0002775", 1400),
                line("2026-11-22T09:00:00Z", "storybot", "0.25", 30),
                line("2026-11-22T09:30:00Z", "other", "1", 5),
                line("2026-11-22T09:40:00Z", "storybot", "null", 7));

        LedgerRebuild.Result r = new LedgerRebuild(logDir, ZoneOffset.UTC, clock)
                .loadInto(store, EnumSet.of(BudgetWindow.DAILY, BudgetWindow.WEEKLY, BudgetWindow.MONTHLY), 1000);

        assertThat(r.files()).isEqualTo(3);
        assertThat(r.records()).isEqualTo(6);
        assertThat(r.malformed()).isZero();
        assertThat(r.keys()).isEqualTo(2);
        assertThat(state("storybot", 0).spentUsd()).isEqualByComparingTo("0.2502775");
        assertThat(state("storybot", 0).counter().spentTokens()).isEqualTo(1437);
        assertThat(state("storybot", 1).spentUsd()).isEqualByComparingTo("1.7502775");
        assertThat(state("storybot", 2).spentUsd()).isEqualByComparingTo("3.7502775");
        assertThat(state("other", 0).spentUsd()).isEqualByComparingTo("1");
    }

    @Test
    void malformedLinesAreSkippedAndCounted() throws IOException {
        write("2026-11-22",
                line("2026-11-22T01:00:00Z", "storybot", "1", 1),
                "{\"ts\":\"2026-11-22T02:00:00Z\",\"key\":\"storybot\",\"cost_usd\":",
                "not json at all",
                "{\"ts\":\"yesterday\",\"key\":\"storybot\",\"cost_usd\":1}",
                "{\"key\":\"storybot\",\"cost_usd\":1}",
                "{\"ts\":\"2026-11-22T02:00:00Z\",\"key\":{\"nested\":1},\"cost_usd\":1}",
                "{\"ts\":\"2026-11-22T02:00:00Z\",\"key\":\"storybot\",\"cost_usd\":-3}",
                "",
                line("2026-11-22T03:00:00Z", "storybot", "2", 1));

        LedgerRebuild.Result r = new LedgerRebuild(logDir, ZoneOffset.UTC, clock)
                .loadInto(store, EnumSet.of(BudgetWindow.DAILY), 1000);

        assertThat(r.records()).isEqualTo(2);
        assertThat(r.malformed()).isEqualTo(6);
        assertThat(state("storybot", 0).spentUsd()).isEqualByComparingTo("3");
    }

    @Test
    void gzippedAndRotatedDaysOfAnOpenWindowCountAsTheirPlainFilesWould(@TempDir Path plainDir) throws IOException {
        String[] yesterday = {line("2026-11-21T08:00:00Z", "storybot", "1.25", 10),
                line("2026-11-21T09:00:00Z", "storybot", "0.5", 20), line("2026-11-21T23:00:00Z", "other", "3", 30)};
        String today = line("2026-11-22T09:00:00Z", "storybot", "0.25", 40);
        // as the writer left them
        Files.write(plainDir.resolve("usage-2026-11-21.jsonl"), List.of(yesterday), StandardCharsets.UTF_8);
        Files.write(plainDir.resolve("usage-2026-11-22.jsonl"), List.of(today), StandardCharsets.UTF_8);
        // after a rotation job: yesterday's first part gzipped, its last part rotated aside
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(logDir.resolve("usage-2026-11-21.jsonl.gz")))) {
            gz.write((yesterday[0] + "\n" + yesterday[1] + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Files.write(logDir.resolve("usage-2026-11-21.1.jsonl"), List.of(yesterday[2]), StandardCharsets.UTF_8);
        write("2026-11-22", today);
        Set<BudgetWindow> windows = EnumSet.of(BudgetWindow.DAILY, BudgetWindow.MONTHLY);
        LocalBudgetStore plainStore = new LocalBudgetStore();

        LedgerRebuild.Result plain = new LedgerRebuild(plainDir, ZoneOffset.UTC, clock).loadInto(plainStore, windows, 1000);
        LedgerRebuild.Result rotated = new LedgerRebuild(logDir, ZoneOffset.UTC, clock).loadInto(store, windows, 1000);

        assertThat(rotated.records()).isEqualTo(plain.records()).isEqualTo(4);
        assertThat(rotated.malformed()).isEqualTo(plain.malformed()).isZero();
        for (String key : List.of("storybot", "other")) {
            assertThat(monthly(store, key)).isEqualTo(monthly(plainStore, key));
        }
        assertThat(monthly(store, "storybot").spentUsd()).isEqualByComparingTo("2");
        assertThat(monthly(store, "storybot").spentTokens()).isEqualTo(70);
        assertThat(monthly(store, "other").spentUsd()).isEqualByComparingTo("3");
        assertThat(state("storybot", 2).spentUsd()).isEqualByComparingTo("2");
    }

    private WindowCounter monthly(LocalBudgetStore s, String key) {
        WindowSlot month = BudgetWindows.slot(BudgetWindow.MONTHLY, clock.instant(), ZoneOffset.UTC);
        return await(s.read(key, List.of(month), clock.instant())).get(0);
    }

    @Test
    void rebuiltSpendIsEnforcedByTheLedger() throws IOException {
        write("2026-11-22", line("2026-11-22T09:00:00Z", "storybot", "4.9", 1));
        new LedgerRebuild(logDir, ZoneOffset.UTC, clock).loadInto(store, Set.of(BudgetWindow.DAILY), 1000);

        BudgetDecision d = await(ledger.reserve("storybot", List.of(usdLimit(BudgetWindow.DAILY, "5")), usd("0.2"), 0));

        assertThat(d.allowed()).isFalse();
        assertThat(d.spentUsd()).isEqualByComparingTo("4.9");
    }

    @Test
    void totalWindowReadsEveryFileAndDailyWindowFollowsTheZone() throws IOException {
        write("2025-01-01", line("2025-01-01T00:00:00Z", "k", "1", 1));
        // 2026-11-21T20:00Z is already 2026-11-22 05:00 in Tokyo: today's local window
        write("2026-11-21", line("2026-11-21T14:00:00Z", "k", "2", 1), line("2026-11-21T20:00:00Z", "k", "3", 1));
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");

        new LedgerRebuild(logDir, tokyo, clock).loadInto(store, EnumSet.of(BudgetWindow.DAILY, BudgetWindow.TOTAL),
                1000);

        BudgetLedger tokyoLedger = BudgetLedger.create(store,
                LedgerFixtures.settings(BudgetMode.RESERVE, tokyo, StoreFailurePolicy.ALLOW, clock),
                BudgetEvents.NONE, null);
        List<WindowState> s = await(tokyoLedger.states("k", KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "10"),
                usdLimit(BudgetWindow.TOTAL, "100")))));
        assertThat(s.get(0).spentUsd()).isEqualByComparingTo("3");
        assertThat(s.get(1).spentUsd()).isEqualByComparingTo("6");
    }

    @Test
    void keysBeyondTheBoundAreNotLoaded() throws IOException {
        write("2026-11-22", line("2026-11-22T01:00:00Z", "a", "1", 1), line("2026-11-22T02:00:00Z", "b", "1", 1),
                line("2026-11-22T03:00:00Z", "a", "1", 1));

        LedgerRebuild.Result r = new LedgerRebuild(logDir, ZoneOffset.UTC, clock)
                .loadInto(store, EnumSet.of(BudgetWindow.DAILY), 1);

        assertThat(r.keys()).isEqualTo(1);
        assertThat(r.droppedKeys()).isEqualTo(1);
        assertThat(state("a", 0).spentUsd()).isEqualByComparingTo("2");
        assertThat(state("b", 0).spentUsd()).isEqualByComparingTo("0");
    }

    @Test
    void windowsInUseComeFromTheDefaultsAndEveryKey() {
        TollgateConfig defaults = TollgateConfig.defaults();
        BudgetsConfig budgets = new BudgetsConfig(BudgetMode.RESERVE, ZoneOffset.UTC, null, StoreFailurePolicy.ALLOW,
                List.of(usdLimit(BudgetWindow.MONTHLY, "100")));
        KeyConfig storybot = new KeyConfig("storybot", "a".repeat(64), null,
                List.of(usdLimit(BudgetWindow.HOURLY, "1")), KeyConfig.DEFAULT_ALERTS);
        TollgateConfig config = new TollgateConfig(defaults.listen(), defaults.upstream(), null, defaults.timeouts(),
                defaults.limits(), defaults.server(), defaults.shutdownGrace(), true, defaults.log(), null, defaults.metrics(), budgets,
                false, List.of(storybot), null, null, null);

        assertThat(LedgerRebuild.windowsIn(config)).containsExactlyInAnyOrder(BudgetWindow.MONTHLY, BudgetWindow.HOURLY);
    }

    @Test
    void missingLogFolderRebuildsNothing() throws IOException {
        LedgerRebuild.Result r = new LedgerRebuild(logDir.resolve("absent"), ZoneOffset.UTC, clock)
                .loadInto(store, EnumSet.allOf(BudgetWindow.class), 1000);

        assertThat(r.files()).isZero();
    }
}

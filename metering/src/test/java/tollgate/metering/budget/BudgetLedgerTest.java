package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.tokenLimit;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;
import tollgate.config.StoreFailurePolicy;

class BudgetLedgerTest {

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final LocalBudgetStore store = new LocalBudgetStore();
    private final RecordingEvents events = new RecordingEvents();
    private final BudgetLedger ledger = BudgetLedger.create(store, settings(BudgetMode.RESERVE, clock), events, null);
    private final List<BudgetLimit> dailyFive = List.of(usdLimit(BudgetWindow.DAILY, "5"));

    @Test
    void reserveHoldsTheWorstCaseAndSettleReplacesItWithTheRealCost() {
        BudgetDecision d = await(ledger.reserve("storybot", dailyFive, usd("1.50"), 2000));
        assertThat(d.allowed()).isTrue();
        // what the caller had when it asked, not less the hold (a spend that did not happen: issue 16)
        assertThat(d.remainingUsd()).isEqualByComparingTo("5");
        assertThat(await(ledger.states("storybot", KeyBudget.of(dailyFive))).get(0).reservedUsd())
                .isEqualByComparingTo("1.50");

        await(ledger.settle(d.reservation(), usd("0.0002775"), 1400));

        WindowState after = await(ledger.states("storybot", KeyBudget.of(dailyFive))).get(0);
        assertThat(after.spentUsd()).isEqualByComparingTo("0.0002775");
        assertThat(after.reservedUsd()).isEqualByComparingTo("0");
        assertThat(after.counter().spentTokens()).isEqualTo(1400);
        assertThat(store.holdCount("storybot")).isZero();
    }

    @Test
    void reserveRefusesWhenSpentPlusReservedPlusWorstCaseWouldPassTheLimit() {
        BudgetDecision first = await(ledger.reserve("storybot", dailyFive, usd("3"), 0));
        await(ledger.settle(first.reservation(), usd("3"), 0));
        BudgetDecision inFlight = await(ledger.reserve("storybot", dailyFive, usd("1.5"), 0));
        assertThat(inFlight.allowed()).isTrue();

        BudgetDecision refused = await(ledger.reserve("storybot", dailyFive, usd("0.60"), 0));

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.reservation()).isNull();
        assertThat(refused.window()).isEqualTo(BudgetWindow.DAILY);
        assertThat(refused.limitUsd()).isEqualByComparingTo("5");
        assertThat(refused.spentUsd()).isEqualByComparingTo("3");
        assertThat(refused.reservedUsd()).isEqualByComparingTo("1.5");
        assertThat(refused.remainingUsd()).isEqualByComparingTo("0.5");
        assertThat(refused.resetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(refused.neverFits()).isFalse();
        assertThat(events.rejections).containsExactly("storybot/daily");
        // exactly what is left still fits
        assertThat(await(ledger.reserve("storybot", dailyFive, usd("0.5"), 0)).allowed()).isTrue();
    }

    @Test
    void refusalMessageNamesKeyWindowLimitAndResetAndRetryAfterCountsToTheReset() {
        BudgetDecision spend = await(ledger.reserve("storybot", dailyFive, usd("4.93"), 0));
        await(ledger.settle(spend.reservation(), usd("4.93"), 0));

        BudgetDecision refused = await(ledger.reserve("storybot", dailyFive, usd("0.12"), 0));

        assertThat(refused.message("storybot"))
                .contains("'storybot'", "daily", "$5.00", "2026-11-23T00:00:00Z", "$0.07 left", "$0.12");
        assertThat(refused.retryAfterSeconds(clock.instant())).isEqualTo(Duration.ofMinutes(13 * 60 + 30).toSeconds());
        assertThat(refused.retryAfterSeconds(Instant.parse("2026-11-22T23:59:59.500Z"))).isEqualTo(1);
    }

    @Test
    void worstCaseAboveTheWholeLimitNeverFitsAndTheMessageSuggestsMaxTokens() {
        BudgetDecision refused = await(ledger.reserve("storybot", dailyFive, usd("12.40"), 0));

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.neverFits()).isTrue();
        assertThat(refused.message("storybot")).contains("$12.40", "$5.00", "never fit", "max_tokens", "daily");
    }

    @Test
    void neverFitsWinsOverAWindowThatOnlyNeedsTime() {
        List<BudgetLimit> limits = List.of(usdLimit(BudgetWindow.HOURLY, "1"), usdLimit(BudgetWindow.MONTHLY, "100"));
        BudgetDecision spend = await(ledger.reserve("k", limits, usd("1"), 0));
        await(ledger.settle(spend.reservation(), usd("1"), 0));

        BudgetDecision refused = await(ledger.reserve("k", limits, usd("2"), 0));

        assertThat(refused.window()).isEqualTo(BudgetWindow.HOURLY);
        assertThat(refused.neverFits()).isTrue();
    }

    @Test
    void refusalNamesTheWindowThatResetsLastWhenSeveralAreFull() {
        List<BudgetLimit> limits = List.of(usdLimit(BudgetWindow.DAILY, "1"), usdLimit(BudgetWindow.MONTHLY, "1"));
        BudgetDecision spend = await(ledger.reserve("k", limits, usd("1"), 0));
        await(ledger.settle(spend.reservation(), usd("1"), 0));

        BudgetDecision refused = await(ledger.reserve("k", limits, usd("0.01"), 0));

        assertThat(refused.window()).isEqualTo(BudgetWindow.MONTHLY);
        assertThat(refused.resetsAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    }

    @Test
    void tokenLimitRefusesOnTokensAlone() {
        List<BudgetLimit> limits = List.of(tokenLimit(BudgetWindow.MONTHLY, 10_000));
        BudgetDecision first = await(ledger.reserve("k", limits, usd("0"), 8000));
        await(ledger.settle(first.reservation(), usd("0.01"), 7000));

        BudgetDecision refused = await(ledger.reserve("k", limits, usd("0"), 4000));

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.remainingUsd()).isNull();
        assertThat(refused.message("k")).contains("10000 tokens", "3000 tokens left", "monthly");
        assertThat(await(ledger.reserve("k", limits, usd("0"), 3000)).allowed()).isTrue();
    }

    @Test
    void totalWindowNeverResetsSoRetryAfterIsUnknown() {
        List<BudgetLimit> total = List.of(usdLimit(BudgetWindow.TOTAL, "1"));
        BudgetDecision spend = await(ledger.reserve("k", total, usd("1"), 0));
        await(ledger.settle(spend.reservation(), usd("1"), 0));
        clock.advance(Duration.ofDays(400));

        BudgetDecision refused = await(ledger.reserve("k", total, usd("0.01"), 0));

        assertThat(refused.allowed()).isFalse();
        assertThat(refused.resetsAt()).isNull();
        assertThat(refused.retryAfterSeconds(clock.instant())).isEqualTo(-1);
        assertThat(refused.message("k")).contains("total", "never resets");
    }

    @Test
    void releaseGivesTheWorstCaseBackWithoutCharging() {
        BudgetDecision d = await(ledger.reserve("k", dailyFive, usd("4"), 0));
        assertThat(await(ledger.reserve("k", dailyFive, usd("4"), 0)).allowed()).isFalse();

        await(ledger.release(d.reservation()));

        WindowState s = await(ledger.states("k", KeyBudget.of(dailyFive))).get(0);
        assertThat(s.spentUsd()).isEqualByComparingTo("0");
        assertThat(s.reservedUsd()).isEqualByComparingTo("0");
        assertThat(await(ledger.reserve("k", dailyFive, usd("4"), 0)).allowed()).isTrue();
    }

    @Test
    void aReservationEndsOnlyOnce() {
        Reservation r = await(ledger.reserve("k", dailyFive, usd("1"), 0)).reservation();
        await(ledger.settle(r, usd("1"), 0));

        assertThatThrownBy(() -> await(ledger.settle(r, usd("1"), 0)))
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> await(ledger.release(r))).hasCauseInstanceOf(IllegalStateException.class);
        assertThat(await(ledger.states("k", KeyBudget.of(dailyFive))).get(0).spentUsd()).isEqualByComparingTo("1");
    }

    @Test
    void dailyWindowRollsOverAtMidnightAndTheOldSpendNoLongerCounts() {
        BudgetDecision d = await(ledger.reserve("k", dailyFive, usd("5"), 0));
        await(ledger.settle(d.reservation(), usd("5"), 0));
        assertThat(await(ledger.reserve("k", dailyFive, usd("0.01"), 0)).allowed()).isFalse();

        clock.set(Instant.parse("2026-11-23T00:00:00Z"));

        BudgetDecision next = await(ledger.reserve("k", dailyFive, usd("5"), 0));
        assertThat(next.allowed()).isTrue();
        assertThat(next.resetsAt()).isEqualTo(Instant.parse("2026-11-24T00:00:00Z"));
    }

    @Test
    void callEndingAfterRolloverIsChargedToTheNewWindowAndItsHoldLeavesTheOld() {
        List<BudgetLimit> limits = List.of(usdLimit(BudgetWindow.DAILY, "5"), usdLimit(BudgetWindow.MONTHLY, "50"));
        clock.set(Instant.parse("2026-11-22T23:59:00Z"));
        BudgetDecision d = await(ledger.reserve("k", limits, usd("2"), 0));

        clock.set(Instant.parse("2026-11-23T00:01:00Z"));
        await(ledger.settle(d.reservation(), usd("1.25"), 0));

        List<WindowState> now = await(ledger.states("k", KeyBudget.of(limits)));
        assertThat(now.get(0).slot().start()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(now.get(0).spentUsd()).isEqualByComparingTo("1.25");
        assertThat(now.get(0).reservedUsd()).isEqualByComparingTo("0");
        assertThat(now.get(1).spentUsd()).isEqualByComparingTo("1.25");
        assertThat(now.get(1).reservedUsd()).isEqualByComparingTo("0");
    }

    @Test
    void weeklyWindowRollsOverOnMonday() {
        List<BudgetLimit> weekly = List.of(usdLimit(BudgetWindow.WEEKLY, "1"));
        clock.set(Instant.parse("2026-11-22T23:00:00Z")); // Sunday
        await(ledger.settle(await(ledger.reserve("k", weekly, usd("1"), 0)).reservation(), usd("1"), 0));
        assertThat(await(ledger.reserve("k", weekly, usd("0.5"), 0)).allowed()).isFalse();

        clock.set(Instant.parse("2026-11-23T00:00:00Z")); // Monday

        assertThat(await(ledger.reserve("k", weekly, usd("0.5"), 0)).allowed()).isTrue();
    }

    @Test
    void monthlyWindowInANonUtcZoneRollsOverAtLocalMidnight() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        BudgetLedger tokyoLedger = BudgetLedger.create(store,
                LedgerFixtures.settings(BudgetMode.RESERVE, tokyo, StoreFailurePolicy.ALLOW, clock), events, null);
        List<BudgetLimit> monthly = List.of(usdLimit(BudgetWindow.MONTHLY, "1"));
        clock.set(Instant.parse("2026-11-30T14:59:00Z")); // 23:59 in Tokyo, still November
        await(tokyoLedger.settle(await(tokyoLedger.reserve("k", monthly, usd("1"), 0)).reservation(), usd("1"), 0));
        assertThat(await(tokyoLedger.reserve("k", monthly, usd("0.1"), 0)).allowed()).isFalse();

        clock.set(Instant.parse("2026-11-30T15:00:00Z")); // 00:00 December 1 in Tokyo, still November in UTC

        BudgetDecision december = await(tokyoLedger.reserve("k", monthly, usd("0.1"), 0));
        assertThat(december.allowed()).isTrue();
        assertThat(december.resetsAt()).isEqualTo(Instant.parse("2026-12-31T15:00:00Z"));
    }

    @Test
    void holdOfACallNeverSettledExpiresAfterTheHoldTtl() {
        BudgetDecision lost = await(ledger.reserve("k", dailyFive, usd("5"), 0));
        assertThat(lost.allowed()).isTrue();
        assertThat(await(ledger.reserve("k", dailyFive, usd("1"), 0)).allowed()).isFalse();

        clock.advance(Duration.ofMinutes(31));

        assertThat(await(ledger.reserve("k", dailyFive, usd("1"), 0)).allowed()).isTrue();
        // settling the expired hold later charges the cost without releasing anything twice
        await(ledger.settle(lost.reservation(), usd("0.5"), 0));
        WindowState s = await(ledger.states("k", KeyBudget.of(dailyFive))).get(0);
        assertThat(s.spentUsd()).isEqualByComparingTo("0.5");
        assertThat(s.reservedUsd()).isEqualByComparingTo("1");
    }

    @Test
    void afterModeRefusesOnlyOnceSpentReachesTheLimitAndReservesNothing() {
        BudgetLedger after = BudgetLedger.create(store, settings(BudgetMode.AFTER, clock), events, null);
        BudgetDecision a = await(after.reserve("k", dailyFive, usd("4"), 0));
        BudgetDecision b = await(after.reserve("k", dailyFive, usd("4"), 0));
        assertThat(a.allowed()).isTrue();
        assertThat(b.allowed()).isTrue();
        assertThat(a.reservation().held()).isFalse();
        assertThat(await(after.states("k", KeyBudget.of(dailyFive))).get(0).reservedUsd()).isEqualByComparingTo("0");

        await(after.settle(a.reservation(), usd("4"), 0));
        assertThat(await(after.reserve("k", dailyFive, usd("4"), 0)).allowed()).isTrue();
        await(after.settle(b.reservation(), usd("4"), 0));

        BudgetDecision refused = await(after.reserve("k", dailyFive, usd("0.01"), 0));
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.neverFits()).isFalse();
        assertThat(refused.message("k")).contains("used up", "$8.00", "$5.00");
    }

    @Test
    void recordChargesWithoutAReservation() {
        await(ledger.record("k", dailyFive, usd("4.999"), 12));

        WindowState s = await(ledger.states("k", KeyBudget.of(dailyFive))).get(0);
        assertThat(s.spentUsd()).isEqualByComparingTo("4.999");
        assertThat(s.counter().spentTokens()).isEqualTo(12);
    }

    @Test
    void keyWithoutBudgetsIsAlwaysAllowedAndNeedsNoStore() {
        BudgetDecision d = await(ledger.reserve("free", List.of(), usd("1000"), 1_000_000));

        assertThat(d.allowed()).isTrue();
        assertThat(d.remainingUsd()).isNull();
        await(ledger.settle(d.reservation(), usd("1000"), 0));
        assertThat(await(ledger.snapshot())).isEmpty();
    }

    @Test
    void allowedDecisionReportsTheTightestRemainingUsdAcrossWindows() {
        List<BudgetLimit> limits = List.of(usdLimit(BudgetWindow.DAILY, "50"), usdLimit(BudgetWindow.MONTHLY, "48"));
        await(ledger.record("k", limits, usd("46"), 0));

        BudgetDecision d = await(ledger.reserve("k", limits, usd("1"), 0));

        assertThat(d.window()).isEqualTo(BudgetWindow.MONTHLY);
        assertThat(d.remainingUsd()).isEqualByComparingTo("2");
    }

    @Test
    void newLimitsPassedPerCallApplyAtOnceAndKeepTheSpend() {
        await(ledger.record("k", dailyFive, usd("4"), 0));
        List<BudgetLimit> lowered = List.of(usdLimit(BudgetWindow.DAILY, "3"));

        assertThat(await(ledger.reserve("k", lowered, usd("0.01"), 0)).allowed()).isFalse();
        assertThat(await(ledger.reserve("k", List.of(usdLimit(BudgetWindow.DAILY, "10")), usd("5"), 0)).allowed())
                .isTrue();
    }

    @Test
    void lastKnownFeedsGaugesWithoutIoAndReadsZeroAfterRollover() {
        assertThat(ledger.lastKnown("k", BudgetWindow.DAILY)).isNull();
        await(ledger.record("k", dailyFive, usd("2"), 0));

        WindowState s = ledger.lastKnown("k", BudgetWindow.DAILY);
        assertThat(s.limitUsd()).isEqualByComparingTo("5");
        assertThat(s.spentUsd()).isEqualByComparingTo("2");
        assertThat(s.remainingUsd()).isEqualByComparingTo("3");

        clock.set(Instant.parse("2026-11-23T00:00:00Z"));
        assertThat(ledger.lastKnown("k", BudgetWindow.DAILY).spentUsd()).isEqualByComparingTo("0");
        assertThat(ledger.lastKnown("k", BudgetWindow.DAILY).remainingUsd()).isEqualByComparingTo("5");
    }

    @Test
    void twoLimitsOnOneWindowAreMergedIntoTheStricterOfEach() {
        KeyBudget budget = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "5"), usdLimit(BudgetWindow.DAILY, "3"),
                new BudgetLimit(BudgetWindow.DAILY, null, 100L)));

        assertThat(budget.limits()).containsExactly(new BudgetLimit(BudgetWindow.DAILY, new BigDecimal("3"), 100L));
    }
}

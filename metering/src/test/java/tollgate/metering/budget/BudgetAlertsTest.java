package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.settings;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetMode;
import tollgate.config.BudgetWindow;

class BudgetAlertsTest {

    private final MutableClock clock = MutableClock.at("2026-11-22T10:30:00Z");
    private final RecordingEvents events = new RecordingEvents();
    private final BudgetLedger ledger = BudgetLedger.create(new LocalBudgetStore(), settings(BudgetMode.RESERVE, clock),
            events, null);
    private final KeyBudget budget = new KeyBudget(List.of(usdLimit(BudgetWindow.DAILY, "10")),
            List.of(new BigDecimal("0.8"), new BigDecimal("0.95")));

    private void spend(String usd) {
        BudgetDecision d = await(ledger.reserve("storybot", budget, usd(usd), 0));
        assertThat(d.allowed()).isTrue();
        await(ledger.settle(d.reservation(), usd(usd), 0));
    }

    @Test
    void eachFractionFiresOnceWhenSpendCrossesIt() {
        spend("7.99");
        assertThat(events.alerts).isEmpty();

        spend("0.01");
        assertThat(events.alerts).singleElement().satisfies(a -> {
            assertThat(a.keyId()).isEqualTo("storybot");
            assertThat(a.window()).isEqualTo(BudgetWindow.DAILY);
            assertThat(a.fraction()).isEqualByComparingTo("0.8");
            assertThat(a.limitUsd()).isEqualByComparingTo("10");
            assertThat(a.spentUsd()).isEqualByComparingTo("8");
            assertThat(a.resetsAt()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
            assertThat(a.ts()).isEqualTo(clock.instant());
        });

        spend("0.5");
        spend("0.5");
        spend("0.5"); // 9.50: crosses 0.95
        spend("0.4");
        assertThat(events.alerts).extracting(BudgetAlert::fraction).extracting(BigDecimal::toPlainString)
                .containsExactly("0.8", "0.95");
    }

    @Test
    void aFractionIsCrossedExactlyAtItsLineToThePicoDollar() {
        spend("7.999999999999");
        assertThat(events.alerts).isEmpty();

        spend("0.000000000001"); // 8 exactly: 0.8 of 10
        assertThat(events.alerts).extracting(a -> a.fraction().toPlainString()).containsExactly("0.8");
    }

    @Test
    void theFirstLineOfEveryLimitAndFractionIsItsOwnHoweverTheTableIsShared() {
        // more pairs than the table has slots: each answer is still its own pair's line
        for (int i = 1; i <= 1_000; i++) {
            BudgetLimit limit = usdLimit(BudgetWindow.DAILY, i + ".5");
            BigDecimal fraction = new BigDecimal("0." + (i % 9 + 1));
            long expected = Money.unitsBelow(limit.usd().multiply(fraction));
            assertThat(AlertDetector.firstLineBelow(limit, fraction)).isEqualTo(expected);
            assertThat(AlertDetector.firstLineBelow(limit, fraction)).isEqualTo(expected);
        }
        BudgetLimit huge = usdLimit(BudgetWindow.DAILY, "100000000000");
        assertThat(AlertDetector.firstLineBelow(huge, new BigDecimal("0.8"))).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void oneChargeCrossingTwoFractionsFiresBoth() {
        spend("9.60");

        assertThat(events.alerts).extracting(a -> a.fraction().toPlainString()).containsExactly("0.8", "0.95");
    }

    @Test
    void theNextWindowInstanceAlertsAgain() {
        spend("8");
        clock.set(Instant.parse("2026-11-23T09:00:00Z"));

        spend("8");

        assertThat(events.alerts).hasSize(2);
        assertThat(events.alerts.get(1).resetsAt()).isEqualTo(Instant.parse("2026-11-24T00:00:00Z"));
    }

    @Test
    void reservationsAloneDoNotAlert() {
        BudgetDecision d = await(ledger.reserve("storybot", budget, usd("9.9"), 0));
        assertThat(d.allowed()).isTrue();
        assertThat(events.alerts).isEmpty();

        await(ledger.release(d.reservation()));

        assertThat(events.alerts).isEmpty();
    }

    @Test
    void tokenOnlyWindowAlertsOnTokens() {
        KeyBudget tokens = new KeyBudget(List.of(new BudgetLimit(BudgetWindow.MONTHLY, null, 1000L)),
                List.of(new BigDecimal("0.5")));
        await(ledger.record("k", tokens, usd("0"), 499));
        assertThat(events.alerts).isEmpty();

        await(ledger.record("k", tokens, usd("0"), 1));

        assertThat(events.alerts).singleElement().satisfies(a -> {
            assertThat(a.limitUsd()).isNull();
            assertThat(a.limitTokens()).isEqualTo(1000L);
            assertThat(a.spentTokens()).isEqualTo(500);
            assertThat(a.describe()).contains("'k'", "50%", "monthly", "500 of 1000 tokens");
        });
    }
}

package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.await;
import static tollgate.metering.budget.LedgerFixtures.usd;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;

/**
 * The local store adds money up in whole pico-USD ({@code long}) and falls back to exact decimals for what does not
 * fit: every answer must equal the decimal sum to the digit, on both sides of each boundary.
 */
class LocalStoreUnitsTest {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final WindowSlot DAY = BudgetWindows.slot(BudgetWindow.DAILY, NOW, ZoneOffset.UTC);

    private final LocalBudgetStore store = new LocalBudgetStore();
    private int ids;

    @Test
    void unitsAreExactOrNotAtAll() {
        assertThat(Money.toUnits(usd("0.0000711"))).isEqualTo(71_100_000L);
        assertThat(Money.toUnits(usd("0.000000000001"))).isEqualTo(1L);
        assertThat(Money.toUnits(usd("0.0000000000010000"))).as("trailing zeros are not finer digits").isEqualTo(1L);
        assertThat(Money.toUnits(usd("999999.999999999999"))).isEqualTo(999_999_999_999_999_999L);
        assertThat(Money.toUnits(usd("0.0000000000001"))).as("13 decimals").isEqualTo(Money.NO_UNITS);
        assertThat(Money.toUnits(usd("1000000"))).as("a million dollars").isEqualTo(Money.NO_UNITS);
        // an audio price per second over a token rate: 34 significant digits
        assertThat(Money.toUnits(usd("0.0001666666666666666666666666666666667"))).isEqualTo(Money.NO_UNITS);
        assertThat(Money.unitsWithin(usd("1.0000000000005"))).isEqualTo(1_000_000_000_000L);
        assertThat(Money.unitsBelow(usd("1.0000000000005"))).isEqualTo(1_000_000_000_000L);
        assertThat(Money.unitsBelow(usd("1"))).isEqualTo(999_999_999_999L);
        assertThat(Money.unitsBelow(BigDecimal.ZERO)).isEqualTo(-1L);
        assertThat(Money.unitsWithin(usd("100000000"))).as("beyond a long").isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void costsWithFinerDigitsAreAddedExactly() {
        settle("0.5");
        settle("0.0000000000001");
        settle("0.0000000000001");
        settle("0.0001666666666666666666666666666666667");
        assertThat(read().spentUsd()).isEqualByComparingTo("0.5001666666668666666666666666666666667");
    }

    @Test
    void aHoldFitsUpToTheLimitToThePicoDollar() {
        BudgetLimit one = usdLimit(BudgetWindow.DAILY, "1");
        settle("0.999999999998");
        assertThat(reserve(one, "0.000000000003", true)).as("one pico-USD over").isFalse();
        assertThat(reserve(one, "0.000000000002", true)).as("exactly the limit").isTrue();
        assertThat(read().reservedUsd()).isEqualByComparingTo("0.000000000002");
    }

    @Test
    void aLimitWithFinerDigitsThanUnitsIsComparedExactly() {
        BudgetLimit limit = usdLimit(BudgetWindow.DAILY, "1.0000000000005");
        settle("1");
        assertThat(reserve(limit, "0.000000000001", true)).as("1.000000000001 > 1.0000000000005").isFalse();
        assertThat(reserve(limit, "0.0000000000005", true)).as("finer cost: exactly the limit").isTrue();
        assertThat(reserve(limit, "0.0000000000001", true)).as("its rest now counts").isFalse();
        assertThat(read().reservedUsd()).isEqualByComparingTo("0.0000000000005");
    }

    @Test
    void aCheckWithoutHoldRefusesOnceSpentReachesTheLimit() {
        BudgetLimit tiny = usdLimit(BudgetWindow.DAILY, "0.0000000000005");
        assertThat(reserve(tiny, "5", false)).isTrue();
        settle("0.0000000000004");
        assertThat(reserve(tiny, "5", false)).as("below").isTrue();
        settle("0.0000000000001");
        assertThat(reserve(tiny, "5", false)).as("reached exactly").isFalse();
        assertThat(reserve(usdLimit(BudgetWindow.DAILY, "0"), "0", false)).isFalse();
    }

    @Test
    void sumsBeyondALongStayExact() {
        for (int i = 0; i < 10; i++) {
            settle("999999.999999999999"); // units each; ten of them pass a long's $9,223,372
        }
        assertThat(read().spentUsd()).isEqualByComparingTo("9999999.99999999999");
        BudgetLimit tenMillion = usdLimit(BudgetWindow.DAILY, "10000000");
        assertThat(reserve(tenMillion, "0.00000000002", true)).as("one pico-USD over").isFalse();
        assertThat(reserve(tenMillion, "0.00000000001", true)).isTrue();
        assertThat(read().reservedUsd()).isEqualByComparingTo("0.00000000001");
    }

    @Test
    void aHoldWithFinerDigitsIsReleasedToTheDigit() {
        BudgetLimit limit = usdLimit(BudgetWindow.DAILY, "10");
        String coarse = "hold-" + ids;
        assertThat(reserve(limit, "0.25", true)).isTrue();
        String fine = "hold-" + ids;
        assertThat(reserve(limit, "0.00000000000015", true)).isTrue();
        assertThat(read().reservedUsd()).isEqualByComparingTo("0.25000000000015");
        await(store.settle(new BudgetStore.SettleCall("a", fine, List.of(), BigDecimal.ZERO, 0, NOW)));
        assertThat(read().reservedUsd()).isEqualByComparingTo("0.25");
        await(store.settle(new BudgetStore.SettleCall("a", coarse, List.of(), BigDecimal.ZERO, 0, NOW)));
        assertThat(read().reservedUsd()).isEqualByComparingTo("0");
        assertThat(read().reservedUsd().signum()).isZero();
    }

    @Test
    void aHoldWhoseAccountWasDroppedChargesTheAccountTheStoreKeeps() {
        LocalBudgetStore one = new LocalBudgetStore(1);
        BudgetStore.ReserveCall call = new BudgetStore.ReserveCall("a",
                List.of(new BudgetStore.SlotLimit("a", DAY, usdLimit(BudgetWindow.DAILY, "10"))), usd("2"), 0, true,
                "held", NOW, NOW.plusSeconds(600));
        assertThat(await(one.reserve(call)).granted()).isTrue();
        for (int i = 0; i < 50 && one.keeps("a"); i++) {
            await(one.settle(new BudgetStore.SettleCall("b", null, List.of(new BudgetStore.AccountSlot("b", DAY)),
                    usd("0.1"), 0, NOW)));
        }
        assertThat(one.keeps("a")).as("dropped for busier b").isFalse();

        await(one.settle(new BudgetStore.SettleCall("a", "held", List.of(new BudgetStore.AccountSlot("a", DAY)),
                usd("1.25"), 0, NOW)));

        assertThat(await(one.read("a", List.of(DAY), NOW)).get(0).spentUsd()).isEqualByComparingTo("1.25");
    }

    @Test
    void endedWindowsAreDroppedWhereverTheyAreInTheAccount() {
        Instant later = NOW.plusSeconds(3600); // the next hour, the same day and month
        List<WindowSlot> open = List.of(BudgetWindows.slot(BudgetWindow.DAILY, NOW, ZoneOffset.UTC),
                BudgetWindows.slot(BudgetWindow.HOURLY, NOW, ZoneOffset.UTC),
                BudgetWindows.slot(BudgetWindow.MONTHLY, NOW, ZoneOffset.UTC));
        charge(open, "1", NOW);
        List<WindowSlot> next = List.of(open.get(0), BudgetWindows.slot(BudgetWindow.HOURLY, later, ZoneOffset.UTC),
                open.get(2));
        charge(next, "0.25", later);
        charge(next, "0.5", later);

        assertThat(await(store.read("a", next, later))).extracting(WindowCounter::spentUsd)
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(usd("1.75"), usd("0.75"), usd("1.75"));
        assertThat(await(store.read("a", List.of(open.get(1)), later)).get(0).spentUsd()).as("the ended hour")
                .isEqualByComparingTo("0");
    }

    private void charge(List<WindowSlot> slots, String cost, Instant at) {
        await(store.settle(new BudgetStore.SettleCall("a", null,
                slots.stream().map(s -> new BudgetStore.AccountSlot("a", s)).toList(), usd(cost), 0, at)));
    }

    @Test
    void countersInUnitsReadAsTheirDecimals() {
        WindowCounter units = WindowCounter.ofUnits(DAY, 1_500_000_000_000L, 250_000_000_000L, 3, 4);
        WindowCounter decimals = new WindowCounter(DAY, usd("1.5"), usd("0.25"), 3, 4);
        assertThat(units).isEqualTo(decimals).hasSameHashCodeAs(decimals);
        assertThat(units.less(usd("0.25"), 4).reservedUsd()).isEqualByComparingTo("0");
        assertThat(units.less(usd("0.0000000000001"), 4).reservedUsd()).as("a finer hold: decimals")
                .isEqualByComparingTo("0.2499999999999");
        BudgetLimit two = usdLimit(BudgetWindow.DAILY, "2");
        assertThat(new WindowState(two, units).remainingUsd()).isEqualByComparingTo("0.25");
        assertThat(new WindowState(two, new WindowCounter(DAY, usd("1.5000000000001"), usd("0.25"), 0, 0))
                .remainingUsd()).isEqualByComparingTo("0.2499999999999");
        assertThat(new WindowState(usdLimit(BudgetWindow.DAILY, "1"), units).remainingUsd()).isEqualByComparingTo("0");
    }

    private boolean reserve(BudgetLimit limit, String worst, boolean hold) {
        BudgetStore.ReserveCall call = new BudgetStore.ReserveCall("a",
                List.of(new BudgetStore.SlotLimit("a", DAY, limit)), usd(worst), 0, hold, "hold-" + ids++, NOW,
                NOW.plusSeconds(600));
        return await(store.reserve(call)).granted();
    }

    private void settle(String cost) {
        await(store.settle(new BudgetStore.SettleCall("a", null,
                List.of(new BudgetStore.AccountSlot("a", DAY)), usd(cost), 0, NOW)));
    }

    private WindowCounter read() {
        return await(store.read("a", List.of(DAY), NOW)).get(0);
    }
}

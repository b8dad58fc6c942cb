package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;

/**
 * The ledger's memory of seen members and key windows, whose entries a member's scope keeps: bounded as before, and
 * an entry dropped or replaced is never trusted from the scope again.
 */
class LedgerMemoryTest {

    private static final KeyBudget MONTHLY = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "50")));
    private static final KeyBudget DAILY = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "5")));

    @Test
    void aMemberDroppedBeyondTheBoundIsRememberedAgainByItsNextCallThroughTheSameScope() {
        LedgerMemory memory = new LedgerMemory(1);
        BudgetScope a = BudgetScope.user("a");
        memory.seen(a, MONTHLY);
        memory.seen(a, MONTHLY); // from the scope's entry

        for (int i = 0; i < 50 && memory.merged(Map.of()).containsKey(a); i++) {
            memory.seen(BudgetScope.user("b" + i), MONTHLY);
            memory.cleanUp();
        }
        assertThat(memory.merged(Map.of())).hasSize(1).doesNotContainKey(a);

        memory.seen(a, MONTHLY);

        assertThat(memory.merged(Map.of())).containsEntry(a, MONTHLY);
    }

    @Test
    void aNewBudgetReplacesTheRememberedOneEvenThroughAScopeThatKeptTheOld() {
        LedgerMemory memory = new LedgerMemory(10);
        BudgetScope a = BudgetScope.user("a");
        memory.seen(a, MONTHLY);

        memory.seen(a, DAILY);
        assertThat(memory.merged(Map.of())).containsEntry(a, DAILY);

        // another scope of the same member put the old budget back: the first scope's entry is no longer the cache's
        memory.seen(BudgetScope.user("a"), MONTHLY);
        memory.seen(a, DAILY);
        assertThat(memory.merged(Map.of())).containsEntry(a, DAILY).hasSize(1);
    }

    @Test
    void twoLedgersSharingAScopeEachRememberIt() {
        LedgerMemory one = new LedgerMemory(10);
        LedgerMemory two = new LedgerMemory(10);
        BudgetScope a = BudgetScope.key("storybot");

        one.seen(a, MONTHLY);
        two.seen(a, MONTHLY);

        assertThat(one.merged(Map.of())).containsEntry(a, MONTHLY);
        assertThat(two.merged(Map.of())).containsEntry(a, MONTHLY);
    }

    @Test
    void aKeysWindowsDroppedBeyondTheBoundAreKeptAgainByItsNextCall() {
        LedgerMemory memory = new LedgerMemory(1);
        BudgetScope key = BudgetScope.key("storybot");
        WindowState first = state("1");
        memory.remember(key, first);
        memory.remember(key, state("2")); // into the scope's entry
        assertThat(memory.lastKnown("storybot", BudgetWindow.MONTHLY).counter().spentUsd()).isEqualByComparingTo("2");

        for (int i = 0; i < 50 && memory.lastKnown("storybot", BudgetWindow.MONTHLY) != null; i++) {
            memory.remember(BudgetScope.key("other-" + i), first);
            memory.cleanUp();
        }
        assertThat(memory.lastKnown("storybot", BudgetWindow.MONTHLY)).isNull();
        assertThat(memory.lastKnown(key, BudgetWindow.MONTHLY)).isNull(); // the scope's dropped entry is not read

        memory.remember(key, state("3"));

        assertThat(memory.lastKnown("storybot", BudgetWindow.MONTHLY).counter().spentUsd()).isEqualByComparingTo("3");
        assertThat(memory.lastKnown(key, BudgetWindow.MONTHLY)).isSameAs(
                memory.lastKnown("storybot", BudgetWindow.MONTHLY));
        assertThat(memory.lastKnown(BudgetScope.key("storybot"), BudgetWindow.MONTHLY)).isSameAs(
                memory.lastKnown("storybot", BudgetWindow.MONTHLY));
    }

    private static WindowState state(String spentUsd) {
        BudgetLimit limit = usdLimit(BudgetWindow.MONTHLY, "50");
        WindowSlot slot = BudgetWindows.slot(BudgetWindow.MONTHLY, Instant.parse("2026-11-22T10:30:00Z"),
                ZoneOffset.UTC);
        return new WindowState(limit, new WindowCounter(slot, new BigDecimal(spentUsd), BigDecimal.ZERO,
                0, 0));
    }
}

package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static tollgate.metering.budget.LedgerFixtures.usdLimit;
import static tollgate.metering.budget.ScopedBudgetsTest.monthly;
import static tollgate.metering.budget.ScopedBudgetsTest.scoped;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetWindow;
import tollgate.config.ScopeBudgets;

/** The scopes of members seen lately: reused while remembered, rebuilt equal once replaced, never past the table. */
class ScopeMemoTest {

    private static final KeyBudget MONTHLY = KeyBudget.of(List.of(usdLimit(BudgetWindow.MONTHLY, "50")));
    private static final KeyBudget DAILY = KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "5")));

    @Test
    void aMemberSeenAgainGetsTheSameScopeAndItsAccountIsBuiltOnce() {
        ScopeMemo memo = new ScopeMemo(BudgetScope.Kind.USER, "", 16);

        CallBudgets.Scoped first = memo.of(new String("user-7"), MONTHLY);
        CallBudgets.Scoped again = memo.of(new String("user-7"), MONTHLY);

        assertThat(again).isSameAs(first);
        assertThat(again.scope()).isEqualTo(BudgetScope.user("user-7"));
        assertThat(again.scope().account()).isEqualTo(BudgetScope.user("user-7").account());
    }

    @Test
    void aTagValueIsScopedUnderItsTagName() {
        ScopeMemo memo = new ScopeMemo(BudgetScope.Kind.TAG, "team=", 16);

        assertThat(memo.of("search", MONTHLY).scope()).isEqualTo(BudgetScope.tag("team", "search"));
    }

    @Test
    void membersSharingAPairReplaceTheOldestAndEachStillGetsItsOwnScope() {
        ScopeMemo memo = new ScopeMemo(BudgetScope.Kind.USER, "", 2); // one pair: every member in it

        CallBudgets.Scoped a = memo.of("a", MONTHLY);
        CallBudgets.Scoped b = memo.of("b", DAILY);
        assertThat(memo.of("a", MONTHLY)).isSameAs(a); // both kept
        CallBudgets.Scoped c = memo.of("c", MONTHLY); // a, the older, goes
        CallBudgets.Scoped a2 = memo.of("a", MONTHLY);

        assertThat(b.scope()).isEqualTo(BudgetScope.user("b"));
        assertThat(b.budget()).isSameAs(DAILY);
        assertThat(c.scope()).isEqualTo(BudgetScope.user("c"));
        assertThat(a2).isNotSameAs(a).isEqualTo(a); // rebuilt, equal: a replaced member loses nothing
        assertThat(memo.of("c", MONTHLY)).isSameAs(c);
        assertThat(memo.size()).isEqualTo(2);
    }

    @Test
    void aMemberWhoseBudgetChangedGetsItsNewBudget() {
        ScopeMemo memo = new ScopeMemo(BudgetScope.Kind.KEY, "", 16);
        memo.of("storybot", MONTHLY);

        CallBudgets.Scoped now = memo.of("storybot", DAILY);

        assertThat(now.budget()).isSameAs(DAILY);
        assertThat(memo.of("storybot", KeyBudget.of(List.of(usdLimit(BudgetWindow.DAILY, "5"))))).isSameAs(now);
    }

    @Test
    void theTableNeverHoldsMoreThanItsSlots() {
        ScopeMemo memo = new ScopeMemo(BudgetScope.Kind.USER, "", 64);

        for (int i = 0; i < 10_000; i++) {
            memo.of("user-" + i, MONTHLY);
        }

        assertThat(memo.size()).isLessThanOrEqualTo(64).isGreaterThan(32);
        assertThatThrownBy(() -> new ScopeMemo(BudgetScope.Kind.USER, "", 48))
                .hasMessage("slots: 48 (expected: a power of two, at least 2)");
    }

    @Test
    void callsOfOneUserShareItsScopesAndAnOverrideKeepsItsOwnBudget() {
        ScopeBudgets users = new ScopeBudgets(monthly("50").defaults(),
                Map.of("vip", List.of(usdLimit(BudgetWindow.MONTHLY, "500"))));
        BudgetScopes scopes = new BudgetScopes(scoped(List.of(), users, Map.of("team", monthly("100")), Map.of()));

        CallBudgets one = scopes.of("k", MONTHLY, "u1", Map.of("team", "search"), null);
        CallBudgets two = scopes.of("k", MONTHLY, new String("u1"), Map.of("team", new String("search")), null);
        CallBudgets vip = scopes.of("k", MONTHLY, "vip", Map.of(), null);

        for (int i = 0; i < one.scopes().size(); i++) {
            assertThat(two.scopes().get(i)).isSameAs(one.scopes().get(i));
        }
        assertThat(one.scopes()).extracting(CallBudgets.Scoped::scope).containsExactly(BudgetScope.key("k"),
                BudgetScope.user("u1"), BudgetScope.tag("team", "search"));
        assertThat(vip.scopes().get(1).budget()).isEqualTo(scopes.user("vip")).isNotEqualTo(scopes.user("u1"));
    }
}

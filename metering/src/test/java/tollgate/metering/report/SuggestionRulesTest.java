package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.CLOCK;
import static tollgate.metering.report.StatsFixtures.PRICES;
import static tollgate.metering.report.StatsFixtures.call;
import static tollgate.metering.report.StatsFixtures.fromLog;
import static tollgate.metering.report.StatsFixtures.query;

import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetWindow;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.report.StatsReport.Suggestion;

class SuggestionRulesTest {

    private static List<Suggestion> suggestions(List<GroupBy> by, List<BudgetStatus> budgets, UsageRecord... calls) {
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        for (UsageRecord r : calls) {
            agg.add(r);
        }
        return agg.query(query(by, StatsFilter.NONE, true), new StatsContext(PRICES, budgets, CLOCK)).suggestions();
    }

    private static List<Suggestion> rule(List<Suggestion> all, String rule) {
        return all.stream().filter(s -> s.rule().equals(rule)).toList();
    }

    @Test
    void fixtureLogTriggersTheRulesItsNumbersSupportBiggestSavingFirst() {
        List<Suggestion> s = fromLog(query(List.of(), StatsFilter.NONE, true)).suggestions();

        // no prompt_heavy: searcher's input-heavy spend is embeddings, and its chat calls are half output
        assertThat(s).extracting(Suggestion::rule).containsExactly("cheaper_model", "failed_calls", "prompt_caching",
                "estimated_usage");
    }

    @Test
    void cheaperModelPricesTheSameTokensAtTheAlternative() {
        Suggestion s = rule(fromLog(query(List.of(), StatsFilter.NONE, true)).suggestions(), "cheaper_model").get(0);

        // gpt-4o: 7M input (2M cached), 1.6M output logged at $31; at gpt-4o-mini:
        // 5M × 0.15 + 2M × 0.075 + 1.6M × 0.60 per 1M = 0.75 + 0.15 + 0.96 = $1.86
        assertThat(s.potentialSavingsUsd()).isEqualByComparingTo("29.14");
        assertThat(s.detail()).contains("$31.00", "= $1.86", "5,000,000 × $0.15", "$29.14");
    }

    @Test
    void cheaperModelIsSilentWithoutAnAlternativeOrWhenItIsNotCheaper() {
        UsageRecord mini = call("2026-11-22T01:00:00Z", "k", "gpt-4o-mini", 1_000_000, 0, 0, "0.15", false, null);
        assertThat(rule(suggestions(List.of(), List.of(), mini), "cheaper_model")).isEmpty();

        // logged cost already below the alternative's price for the same tokens
        UsageRecord cheap = call("2026-11-22T01:00:00Z", "k", "gpt-4o", 1_000_000, 0, 0, "0.10", false, null);
        assertThat(rule(suggestions(List.of(), List.of(), cheap), "cheaper_model")).isEmpty();
    }

    @Test
    void cachingUpperBoundIsHalfTheLongPromptsAtTheCachedDiscount() {
        List<Suggestion> s = rule(fromLog(query(List.of(), StatsFilter.NONE, true)).suggestions(), "prompt_caching");

        // only gpt-4o-mini: 5,051,250 prompt tokens, none cached; gpt-4o has 2M of 7M cached (28.6%), above 10%
        assertThat(s).singleElement().satisfies(c -> {
            assertThat(c.title()).contains("gpt-4o-mini", "upper bound");
            // (5,051,250 / 2 = 2,525,625 tokens) × (0.15 − 0.075) per 1M
            assertThat(c.potentialSavingsUsd()).isEqualByComparingTo("0.189421875");
            assertThat(c.detail()).contains("0.0%", "2,525,625", "upper bound");
        });
    }

    @Test
    void cachingIgnoresShortPromptsAndModelsWithoutACachedPrice() {
        UsageRecord shortPrompt = call("2026-11-22T01:00:00Z", "k", "gpt-4o-mini", 1023, 0, 10, "0.00015945", false, null);
        UsageRecord embedding = call("2026-11-22T01:00:00Z", "k", "text-embedding-3-small", 50_000, 0, 0, "0.001",
                false, null);
        assertThat(rule(suggestions(List.of(), List.of(), shortPrompt, embedding), "prompt_caching")).isEmpty();
    }

    /** A chat call with the given input and output tokens of gpt-4o, priced as the table does. */
    private static UsageRecord gpt4o(String key, String operation, long input, long output) {
        BigDecimal cost = new BigDecimal("2.50").multiply(BigDecimal.valueOf(input))
                .add(new BigDecimal("10.00").multiply(BigDecimal.valueOf(output))).movePointLeft(6);
        return new UsageRecord(java.time.Instant.parse("2026-11-22T01:00:00Z"), "r", key, "/v1/chat/completions",
                "gpt-4o-2024-08-06", "gpt-4o", false, 200, input, 0, output, 0, input + output, false, cost, 10, 5,
                null, Map.of("operation", operation), null);
    }

    private static UsageRecord embedding(String key, long input) {
        return new UsageRecord(java.time.Instant.parse("2026-11-22T01:00:00Z"), "r", key, "/v1/embeddings",
                "text-embedding-3-small", "text-embedding-3-small", false, 200, input, 0, 0, 0, input, false,
                new BigDecimal("0.02").multiply(BigDecimal.valueOf(input)).movePointLeft(6), 10, 5, null, Map.of(),
                null);
    }

    @Test
    void promptHeavyNamesGroupsWhoseInputIsOverEightyPercentOfCost() {
        // rag: 1M input × $2.50 = $2.50 of $2.60 (10k output × $10 = $0.10) → 96.2%; chat: $0.25 of $1.25 → 20%
        List<Suggestion> s = rule(suggestions(List.of(GroupBy.parse("tag:operation")), List.of(),
                gpt4o("app", "rag", 1_000_000, 10_000), gpt4o("app", "chat", 100_000, 100_000)), "prompt_heavy");

        assertThat(s).singleElement().satisfies(h -> {
            assertThat(h.title()).contains("tag:operation rag", "96.2%");
            assertThat(h.detail()).contains("$2.50 of $2.60");
            assertThat(h.potentialSavingsUsd()).isNull();
        });
    }

    @Test
    void oneFindingIsNamedOnceThoughSeveralGroupingsHoldTheSameCalls() {
        // one key, one model, one operation: the same calls under three names
        List<Suggestion> s = rule(suggestions(List.of(GroupBy.parse("model"), GroupBy.parse("key"),
                GroupBy.parse("tag:operation")), List.of(), gpt4o("app", "rag", 1_000_000, 10_000)), "prompt_heavy");

        assertThat(s).extracting(Suggestion::title).singleElement().asString().contains("model gpt-4o");
    }

    @Test
    void embeddingsGetNoAdviceAboutPrompts() {
        // all input by nature: "send fewer chunks" is no advice for an embedding
        List<Suggestion> s = suggestions(List.of(GroupBy.parse("key"), GroupBy.parse("model")), List.of(),
                embedding("indexer", 50_000_000), embedding("indexer", 10_000_000));

        assertThat(rule(s, "prompt_heavy")).isEmpty();
        assertThat(s).allSatisfy(x -> assertThat(x.action()).doesNotContain("retrieved chunks"));
    }

    @Test
    void suggestionsSavingLessThanTheFloorAreHidden() {
        // gpt-4o → gpt-4o-mini on 1,000 input tokens: $0.0025 − $0.00015 = $0.00235, under the default $0.01
        UsageRecord tiny = call("2026-11-22T01:00:00Z", "k", "gpt-4o", 1000, 0, 0, "0.0025", false, null);
        assertThat(rule(suggestions(List.of(), List.of(), tiny), "cheaper_model")).isEmpty();

        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        agg.add(tiny);
        StatsQuery noFloor = query(List.of(), StatsFilter.NONE, true).withMinSavings(BigDecimal.ZERO);
        assertThat(rule(agg.query(noFloor, new StatsContext(PRICES, List.of(), CLOCK)).suggestions(), "cheaper_model"))
                .singleElement().satisfies(c -> assertThat(c.potentialSavingsUsd()).isEqualByComparingTo("0.00235"));
    }

    @Test
    void suggestionsAreRankedBySavings() {
        List<Suggestion> s = fromLog(query(List.of(), StatsFilter.NONE, true)).suggestions();

        List<BigDecimal> savings = s.stream().map(Suggestion::potentialSavingsUsd).filter(java.util.Objects::nonNull)
                .toList();
        assertThat(savings).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    }

    @Test
    void outputHeavyTrafficIsNotPromptHeavy() {
        UsageRecord chatty = call("2026-11-22T01:00:00Z", "k", "gpt-4o", 1000, 0, 1000, "0.0125", false, null);
        assertThat(rule(suggestions(List.of(), List.of(), chatty), "prompt_heavy")).isEmpty();
    }

    @Test
    void estimatedShareCountsCallsAndReasons() {
        Suggestion e = rule(fromLog(query(List.of(), StatsFilter.NONE, true)).suggestions(), "estimated_usage").get(0);

        assertThat(e.title()).startsWith("20.0%");
        assertThat(e.detail()).contains("2 of 10 calls", "$3.74", "1 client_disconnected", "1 upstream_cut");
        assertThat(e.potentialSavingsUsd()).isNull();
    }

    @Test
    void estimatedShareIsSilentWhenEveryCallWasMeasured() {
        UsageRecord exact = call("2026-11-22T01:00:00Z", "k", "gpt-4o", 1000, 0, 1000, "0.0125", false, null);
        assertThat(rule(suggestions(List.of(), List.of(), exact), "estimated_usage")).isEmpty();
    }

    @Test
    void failedCallsSumTheirCostByError() {
        Suggestion f = rule(fromLog(query(List.of(), StatsFilter.NONE, true)).suggestions(), "failed_calls").get(0);

        assertThat(f.potentialSavingsUsd()).isEqualByComparingTo("3.74");
        assertThat(f.detail()).contains("2 calls that ended with an error cost $3.74",
                "upstream_cut: 1 call, $3.50; client_disconnected: 1 call, $0.24");
    }

    @Test
    void failedCallsThatCostNothingAreNotASuggestion() {
        UsageRecord refused = call("2026-11-22T01:00:00Z", "k", "gpt-4o", 0, 0, 0, "0", false, "budget_exceeded");
        UsageRecord fine = call("2026-11-22T01:00:00Z", "k", "gpt-4o", 1000, 0, 1000, "0.0125", false, null);
        List<Suggestion> s = suggestions(List.of(), List.of(), refused, fine);
        assertThat(rule(s, "failed_calls")).isEmpty();
    }

    @Test
    void budgetPaceFlagsAKeyThatWillPassItsLimitBeforeTheReset() {
        // noon: $3 of $5 spent in 12h → $6 by midnight; the limit is reached at 20:00
        BudgetStatus daily = new BudgetStatus("storybot", BudgetWindow.DAILY, new BigDecimal("5"), new BigDecimal("3"),
                ZonedDateTime.of(2026, 11, 23, 0, 0, 0, 0, ZoneId.of("UTC")));
        Suggestion b = rule(suggestions(List.of(), List.of(daily)), "budget_pace").get(0);

        assertThat(b.title()).isEqualTo("storybot is on course to pass its daily budget");
        assertThat(b.detail()).contains("$3.00 of $5.00", "12h 00m", "$0.25/h", "$6.00", "2026-11-22T20:00Z");
    }

    @Test
    void budgetPaceIsSilentBelowPaceTooEarlyOrForAnotherKey() {
        ZonedDateTime midnight = ZonedDateTime.of(2026, 11, 23, 0, 0, 0, 0, ZoneId.of("UTC"));
        BudgetStatus slow = new BudgetStatus("a", BudgetWindow.DAILY, new BigDecimal("5"), new BigDecimal("2"), midnight);
        // an hourly window that began one minute ago (11:59) is too young to judge: under 1/24 of it has passed
        BudgetStatus young = new BudgetStatus("b", BudgetWindow.HOURLY, new BigDecimal("1"), new BigDecimal("0.9"),
                ZonedDateTime.of(2026, 11, 22, 12, 59, 0, 0, ZoneId.of("UTC")));
        BudgetStatus total = new BudgetStatus("c", BudgetWindow.TOTAL, new BigDecimal("1"), new BigDecimal("0.9"), null);
        assertThat(rule(suggestions(List.of(), List.of(slow, young, total)), "budget_pace")).isEmpty();

        BudgetStatus fast = new BudgetStatus("d", BudgetWindow.DAILY, new BigDecimal("5"), new BigDecimal("3"), midnight);
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        StatsQuery onlyA = query(List.of(), new StatsFilter("a", null, null, Map.of()), true);
        assertThat(agg.query(onlyA, new StatsContext(PRICES, List.of(fast), CLOCK)).suggestions()).isEmpty();
    }
}

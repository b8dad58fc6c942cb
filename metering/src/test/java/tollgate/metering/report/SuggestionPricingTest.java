package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.CLOCK;
import static tollgate.metering.report.StatsFixtures.call;
import static tollgate.metering.report.StatsFixtures.query;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.CostCalculator;
import tollgate.metering.pricing.ModelPrice;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.StatsReport.Suggestion;
import tollgate.metering.usage.Usage;

/** Reports price through the one cost function: what a suggestion saves is what billing would charge less. */
class SuggestionPricingTest {
    private static final PricingTable TIERED = StatsFixtures.prices("/report/tiered-prices.yaml");
    private static final String DAY = "2026-11-22T01:00:00Z";

    /** Calls as billing records them: each priced by CostCalculator at its model's table entry. */
    private static UsageRecord[] billed(PricingTable table, String model, Usage... calls) {
        ModelPrice p = price(table, model);
        UsageRecord[] out = new UsageRecord[calls.length];
        for (int i = 0; i < calls.length; i++) {
            Usage u = calls[i];
            out[i] = call(DAY, "k", model, u.inputTokens(), u.cachedInputTokens(), u.outputTokens(),
                    CostCalculator.cost(p, u).toPlainString(), false, null);
        }
        return out;
    }

    private static ModelPrice price(PricingTable table, String model) {
        return Objects.requireNonNull(table.resolve(model), model).price();
    }

    /** Σ billed − Σ CostCalculator.cost(alternative, the same usage), call by call. */
    private static BigDecimal expectedSaving(PricingTable table, String model, String alt, Usage... calls) {
        BigDecimal saving = BigDecimal.ZERO;
        for (Usage u : calls) {
            saving = saving.add(CostCalculator.cost(price(table, model), u)).subtract(CostCalculator.cost(price(table, alt), u));
        }
        return saving;
    }

    private static StatsReport report(PricingTable table, UsageRecord... records) {
        UsageAggregates agg = new UsageAggregates(UsageAggregates.Caps.DEFAULT, CLOCK);
        for (UsageRecord r : records) {
            agg.add(r);
        }
        return agg.query(query(List.of(), StatsFilter.NONE, true), StatsContext.of(table, CLOCK));
    }

    private static List<Suggestion> cheaperModel(StatsReport r) {
        return r.suggestions().stream().filter(s -> s.rule().equals("cheaper_model")).toList();
    }

    @Test
    void savingIsBilledCostLessTheAlternativeCallByCallAcrossTheLongContextTier() {
        // two calls under 200K whose inputs sum past it, and one call over it: a tier decided on sums would misprice
        Usage[] calls = {new Usage(300_000, 0, 2_000, 0), new Usage(150_000, 0, 1_000, 0), new Usage(120_000, 0, 500, 0)};

        Suggestion s = cheaperModel(report(TIERED, billed(TIERED, "big", calls))).get(0);

        // billed 1.224 + 0.308 + 0.244 = 1.776; at small: 0.2448 + 0.0616 + 0.0488 = 0.3552
        assertThat(s.potentialSavingsUsd()).isEqualByComparingTo(expectedSaving(TIERED, "big", "small", calls))
                .isEqualByComparingTo("1.4208");
        assertThat(s.detail()).contains("calls over 200,000 input tokens, at the long-context prices) 300,000 × $0.80",
                "= $0.3552");
    }

    @Test
    void savingIsBilledCostLessTheAlternativeWithCachedInput() {
        PricingTable builtIn = PricingTable.builtIn();
        Usage[] calls = {new Usage(10_000, 4_000, 500, 0), new Usage(2_000, 2_000, 100, 0), new Usage(50_000, 0, 10, 0)};

        Suggestion s = cheaperModel(report(builtIn, billed(builtIn, "gpt-4o", calls))).get(0);

        assertThat(s.title()).isEqualTo("Try gpt-4o-mini for gpt-4o calls");
        assertThat(s.potentialSavingsUsd()).isEqualByComparingTo(expectedSaving(builtIn, "gpt-4o", "gpt-4o-mini", calls));
    }

    @Test
    void savingOfAShippedLongContextModelWithCachedInputIsExact() {
        PricingTable builtIn = PricingTable.builtIn();
        PricedModel gpt54 = builtIn.resolve("gpt-5.4");
        String alt = gpt54.price().cheaperAlternative();
        Usage[] calls = {new Usage(300_000, 100_000, 1_000, 0), new Usage(50_000, 10_000, 200, 0),
                new Usage(240_000, 0, 300, 0)};

        Suggestion s = cheaperModel(report(builtIn, billed(builtIn, "gpt-5.4", calls))).get(0);

        assertThat(s.potentialSavingsUsd()).isEqualByComparingTo(expectedSaving(builtIn, "gpt-5.4", alt, calls));
    }

    @Test
    void anAlternativeTierTheSumsCannotSplitGivesNoFigureRatherThanAWrongOne() {
        Usage[] mixed = {new Usage(160_000, 0, 100, 0), new Usage(140_000, 0, 100, 0)};
        assertThat(cheaperModel(report(TIERED, billed(TIERED, "odd", mixed)))).isEmpty();

        // every call under the threshold (or every call over it): the sums are exact again
        Usage[] under = {new Usage(140_000, 0, 100, 0), new Usage(100_000, 0, 100, 0)};
        assertThat(cheaperModel(report(TIERED, billed(TIERED, "odd", under)))).singleElement()
                .extracting(Suggestion::potentialSavingsUsd).satisfies(v -> assertThat(v)
                        .isEqualByComparingTo(expectedSaving(TIERED, "odd", "small-odd", under)));
        Usage[] over = {new Usage(160_000, 0, 100, 0), new Usage(190_000, 0, 100, 0)};
        assertThat(cheaperModel(report(TIERED, billed(TIERED, "odd", over)))).singleElement()
                .extracting(Suggestion::potentialSavingsUsd).satisfies(v -> assertThat(v)
                        .isEqualByComparingTo(expectedSaving(TIERED, "odd", "small-odd", over)));
    }

    @Test
    void cachingUpperBoundPricesLongPromptsAtTheirTier() {
        PricingTable builtIn = PricingTable.builtIn();
        ModelPrice p = price(builtIn, "gpt-5.4");
        Usage[] calls = {new Usage(300_000, 0, 10, 0), new Usage(10_000, 0, 10, 0)};
        BigDecimal saving = BigDecimal.ZERO;
        for (Usage u : calls) {
            Usage half = new Usage(u.inputTokens(), u.inputTokens() / 2, u.outputTokens(), 0);
            saving = saving.add(CostCalculator.cost(p, u)).subtract(CostCalculator.cost(p, half));
        }
        BigDecimal expected = saving;

        List<Suggestion> s = report(builtIn, billed(builtIn, "gpt-5.4", calls)).suggestions().stream()
                .filter(c -> c.rule().equals("prompt_caching")).toList();

        assertThat(s).singleElement().extracting(Suggestion::potentialSavingsUsd)
                .satisfies(v -> assertThat(v).isEqualByComparingTo(expected));
    }

    @Test
    void statsTotalIsTheSumOfTheRecordsCost() throws Exception {
        List<UsageRecord> fixture = StatsFixtures.records();
        Instant from = StatsFixtures.FROM.atStartOfDay(ZoneOffset.UTC).toInstant();
        BigDecimal logged = fixture.stream().filter(r -> r.costUsd() != null && !r.ts().isBefore(from))
                .map(UsageRecord::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);

        assertThat(report(StatsFixtures.PRICES, fixture.toArray(UsageRecord[]::new)).summary().totalCostUsd())
                .isEqualByComparingTo(logged);
        assertThat(StatsFixtures.fromLog(query(List.of(), StatsFilter.NONE, false)).summary().totalCostUsd())
                .isEqualByComparingTo(logged);

        UsageRecord[] tiered = billed(TIERED, "big", new Usage(300_000, 50_000, 2_000, 0), new Usage(1_000, 0, 10, 0));
        assertThat(report(TIERED, tiered).summary().totalCostUsd())
                .isEqualByComparingTo(tiered[0].costUsd().add(tiered[1].costUsd()));
    }

    @Test
    void everyShippedLongContextThresholdIsOneReportsSplitAt() {
        for (PricedModel m : PricingTable.builtIn().entries()) {
            if (m.price().longContext() != null) {
                assertThat(Tally.LONG_CONTEXT_EDGES).as(m.name()).contains(m.price().longContext().aboveInputTokens());
            }
        }
    }
}

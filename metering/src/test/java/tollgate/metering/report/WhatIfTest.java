package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.report.StatsCommandRunner.Outcome;
import tollgate.metering.report.WhatIf.Row;

class WhatIfTest {
    private final StatsCommandRunner runner = new StatsCommandRunner(StatsFixtures.CONTEXT, 1);

    private static StatsOptions fixtureDays(String format) {
        return new StatsOptions(StatsFixtures.logDir(), 4, null, null, null, List.of(), null, null, null, List.of(),
                format, null, false, null);
    }

    @Test
    void compareModelsPricesThePeriodsPricedCallsAtEachModel() throws Exception {
        Outcome o = runner.run(fixtureDays("json").withWhatIf(List.of("gpt-4o-mini,gpt-4o"), null));

        JsonNode w = new ObjectMapper().readTree(o.stdout()).get("what_if");
        // the 9 priced calls (the mystery model's call has no logged cost to compare with)
        assertThat(w.get("requests").asLong()).isEqualTo(9);
        assertThat(w.get("input_tokens").asLong()).isEqualTo(72_051_250);
        assertThat(w.get("cached_input_tokens").asLong()).isEqualTo(2_000_000);
        assertThat(w.get("output_tokens").asLong()).isEqualTo(2_250_150);
        assertThat(w.get("logged_cost_usd").decimalValue()).isEqualByComparingTo("33.3477775");
        // gpt-4o-mini: 70,051,250 × 0.15 + 2,000,000 × 0.075 + 2,250,150 × 0.60 per 1M
        //            = 10.5076875 + 0.15 + 1.35009 = 12.0077775
        assertThat(w.at("/compare_models/0/model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(w.at("/compare_models/0/cost_usd").decimalValue()).isEqualByComparingTo("12.0077775");
        assertThat(w.at("/compare_models/0/difference_usd").decimalValue()).isEqualByComparingTo("-21.34");
        // gpt-4o: 70,051,250 × 2.50 + 2,000,000 × 1.25 + 2,250,150 × 10 per 1M = 175.128125 + 2.5 + 22.5015
        assertThat(w.at("/compare_models/1/cost_usd").decimalValue()).isEqualByComparingTo("200.129625");
        assertThat(w.at("/compare_models/0/detail").asText()).contains("70,051,250 × $0.15");
    }

    @Test
    void aPricingFileRepricesEachModelAtItsNewPriceUnpricedOnesIncluded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("what-if.yaml");
        Files.writeString(file, """
                models:
                  gpt-4o: {input: 1.25, cached_input: 0.625, output: 5.00}
                  gpt-4o-mini: {input: 0.15, cached_input: 0.075, output: 0.60}
                  text-embedding-3-small: {input: 0.02, output: 0}
                  mystery-model: {input: 1, output: 2}
                """);
        WhatIf.Result w = StatsCalculator.compute(new StatsQuery(StatsFixtures.FROM, StatsFixtures.TODAY,
                        ReportPeriod.DAY, List.of(), StatsFilter.NONE, false),
                LogScope.of(new StatsQuery(StatsFixtures.FROM, StatsFixtures.TODAY, ReportPeriod.DAY, List.of(),
                        StatsFilter.NONE, false)).read(StatsFixtures.logDir(), 1),
                StatsFixtures.CONTEXT.withWhatIf(new WhatIf(List.of(),
                        tollgate.metering.pricing.PricingTable.load(file), file))).whatIf();

        WhatIf.Repriced p = w.repriced();
        // gpt-4o 5M × 1.25 + 2M × 0.625 + 1.6M × 5 = 15.5; the others as logged; mystery 100 × 1 + 10 × 2 = 0.00012
        assertThat(p.models()).extracting(Row::model, Row::costUsd).containsExactly(
                tuple("gpt-4o", new BigDecimal("15.5")), tuple("gpt-4o-mini", new BigDecimal("1.1477775")),
                tuple("mystery-model", new BigDecimal("0.00012")), tuple("text-embedding-3-small", new BigDecimal("1.2")));
        assertThat(p.costUsd()).isEqualByComparingTo("17.8478975");
        assertThat(p.differenceUsd()).isEqualByComparingTo("-15.49988");
        assertThat(p.unpricedRequests()).isZero();
    }

    @Test
    void theTableShowsTheComparison() {
        String table = runner.run(fixtureDays(null).withWhatIf(List.of("gpt-4o-mini"), null)).stdout();

        assertThat(table).contains("WHAT IF: 9 calls with a price", "AT MODEL", "gpt-4o-mini", "$12.01", "-$21.34");
    }

    @Test
    void anUnknownModelOrABadPricingFileIsAFlagError(@TempDir Path dir) throws Exception {
        Outcome unknown = runner.run(fixtureDays(null).withWhatIf(List.of("gpt-9"), null));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderr()).isEqualTo("tollgate stats: --compare-models: 'gpt-9' (expected: a model of the "
                + "price table, see tollgate pricing)\n");

        Files.writeString(dir.resolve("bad.yaml"), "models:\n  x: {input: -1, output: 1}\n");
        Outcome bad = runner.run(fixtureDays(null).withWhatIf(List.of(), dir.resolve("bad.yaml")));
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr()).startsWith("tollgate stats: --pricing: ").contains("bad.yaml").hasLineCount(1);
    }
}

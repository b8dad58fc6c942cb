package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tollgate.metering.pricing.Charge;
import tollgate.metering.pricing.Charge.Part;
import tollgate.metering.report.StatsCommandRunner.Outcome;

/**
 * {@code stats --format focus}: the period's calls as FOCUS 1.2 charges, read back with an RFC 4180 parser. The log
 * (resources/report/focus) has two providers, three keys, cache reads and writes of both lifetimes, a long-context
 * call, a batch call, a web search, an unpriced call, a provider-billed call and a call of a model the table dropped.
 */
class FocusExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MANDATORY = List.of("BilledCost", "BillingAccountId", "BillingAccountName",
            "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
            "ChargeDescription", "ChargePeriodEnd", "ChargePeriodStart", "ContractedCost", "EffectiveCost",
            "InvoiceIssuerName", "ListCost", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
            "ServiceCategory", "ServiceName");
    private static final Path LOG = resource("/report/focus");
    private static final StatsContext CONTEXT = StatsContext.of(StatsFixtures.prices("/report/focus/prices.yaml"),
            StatsFixtures.CLOCK);
    private final StatsCommandRunner runner = new StatsCommandRunner(CONTEXT, 2);

    @Test
    void theRowsHaveFocusMandatoryColumnsInTheirFormats() {
        List<Map<String, String>> rows = focus(options(LOG, "focus", null, null, null, List.of()));

        assertThat(rows).isNotEmpty();
        assertThat(rows.get(0).keySet()).containsAll(MANDATORY).contains("ConsumedQuantity", "ConsumedUnit",
                "ListUnitPrice", "SkuId", "SkuPriceId", "Tags");
        for (Map<String, String> r : rows) {
            assertThat(r.get("BillingCurrency")).isEqualTo("USD");
            assertThat(r.get("ChargeCategory")).isEqualTo("Usage");
            assertThat(r.get("ChargeClass")).isEmpty();
            assertThat(r.get("ServiceCategory")).isEqualTo("AI and Machine Learning");
            for (String c : List.of("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")) {
                assertThat(r.get(c)).matches("\\d{4}-\\d{2}-\\d{2}T00:00:00Z");
            }
            for (String c : List.of("BilledCost", "EffectiveCost", "ContractedCost", "ListCost", "PricingQuantity",
                    "ConsumedQuantity")) {
                // FOCUS numeric format: a plain decimal, no exponent, sign or grouping
                assertThat(r.get(c)).as(c).matches("\\d+(\\.\\d+)?");
            }
            for (String c : List.of("BillingAccountId", "InvoiceIssuerName", "ProviderName", "PublisherName",
                    "ServiceName", "PricingUnit", "ConsumedUnit", "SkuId", "SkuPriceId")) {
                assertThat(r.get(c)).as(c).isNotEmpty();
            }
            assertThat(json(r.get("Tags")).isObject()).isTrue();
            if (r.get("x_CostBasis").equals("itemized")) {
                // FOCUS: ListUnitPrice × PricingQuantity = ListCost
                assertThat(new BigDecimal(r.get("ListUnitPrice")).multiply(new BigDecimal(r.get("PricingQuantity"))))
                        .as(r.get("SkuPriceId")).isEqualByComparingTo(r.get("ListCost"));
            }
        }
    }

    @Test
    void eachPartsQuantityAndPriceAreTheLogs() {
        List<Map<String, String>> rows = focus(options(LOG, "focus", null, null, null, List.of()));

        // the Claude call: 6000 input = 1000 uncached + 2000 read + 2000 5-minute writes + 1000 1-hour writes
        Map<String, String> claude = Map.of("SubAccountId", "storybot", "SkuId", "claude-sonnet-4-6");
        assertThat(quantity(rows, claude, "input")).isEqualTo("1000");
        assertThat(quantity(rows, claude, "cached_input")).isEqualTo("2000");
        assertThat(quantity(rows, claude, "cache_write")).isEqualTo("2000");
        assertThat(quantity(rows, claude, "cache_write_1h")).isEqualTo("1000");
        assertThat(quantity(rows, claude, "output")).isEqualTo("500");
        Map<String, String> write1h = row(rows, claude, "cache_write_1h");
        assertThat(write1h).containsEntry("ProviderName", "Anthropic").containsEntry("ListUnitPrice", "6")
                .containsEntry("BilledCost", "0.006").containsEntry("ConsumedUnit", "Tokens")
                .containsEntry("PricingUnit", "1000000 Tokens").containsEntry("PricingQuantity", "0.001")
                .containsEntry("SkuPriceId", "claude-sonnet-4-6/cache_write_1h")
                .containsEntry("ChargePeriodStart", "2026-11-20T00:00:00Z")
                .containsEntry("ChargePeriodEnd", "2026-11-21T00:00:00Z")
                .containsEntry("BillingPeriodStart", "2026-11-01T00:00:00Z")
                .containsEntry("BillingPeriodEnd", "2026-12-01T00:00:00Z");
        // the OpenAI call, under its priced name, with a tag that needs quoting
        Map<String, String> mini = Map.of("SubAccountId", "storybot", "SkuId", "gpt-4o-mini");
        assertThat(quantity(rows, mini, "input")).isEqualTo("1000");
        assertThat(quantity(rows, mini, "cached_input")).isEqualTo("250");
        assertThat(quantity(rows, mini, "output")).isEqualTo("150");
        assertThat(row(rows, mini, "input").get("ProviderName")).isEqualTo("OpenAI");
        assertThat(json(row(rows, mini, "input").get("Tags"))).isEqualTo(json(
                "{\"operation\":\"rag,answer \\\"v2\\\"\",\"tollgate_key\":\"storybot\"}"));
        // the long-context call: every part at the tier's prices
        Map<String, String> longContext = row(rows, Map.of("SubAccountId", "support", "SkuId", "claude-sonnet-4-6"),
                "input");
        assertThat(longContext).containsEntry("ConsumedQuantity", "200000").containsEntry("ListUnitPrice", "6")
                .containsEntry("x_LongContext", "true").containsEntry("BilledCost", "1.2")
                .containsEntry("SkuPriceId", "claude-sonnet-4-6/input/long_context");
        // the batch result: batch prices, its per-call custom id not a tag
        Map<String, String> batch = row(rows, Map.of("SubAccountId", "support", "SkuId", "gpt-4o"), "output");
        assertThat(batch).containsEntry("x_ServiceTier", "batch").containsEntry("ListUnitPrice", "5")
                .containsEntry("ConsumedQuantity", "2000").containsEntry("BilledCost", "0.01")
                .containsEntry("SkuPriceId", "gpt-4o/output/batch");
        assertThat(json(batch.get("Tags"))).isEqualTo(json("{\"team\":\"help\",\"tollgate_key\":\"support\"}"));
        // the web search: a charge of its own, per 1,000
        Map<String, String> search = row(rows, Map.of("SubAccountId", "storybot", "SkuId", "gpt-4o"), "web_search");
        assertThat(search).containsEntry("ConsumedQuantity", "1").containsEntry("ConsumedUnit", "Searches")
                .containsEntry("PricingUnit", "1000 Searches").containsEntry("ListUnitPrice", "25")
                .containsEntry("BilledCost", "0.025");
    }

    @Test
    void unpricedProviderBilledAndNoLongerPricedCallsAreShownAsTheyWereLogged() {
        List<Map<String, String>> rows = focus(options(LOG, "focus", null, null, null, List.of()));

        // no price: its quantities at $0, no list price
        Map<String, String> unpriced = row(rows, Map.of("SkuId", "mystery-model"), "input");
        assertThat(unpriced).containsEntry("ConsumedQuantity", "500").containsEntry("BilledCost", "0")
                .containsEntry("ListCost", "0").containsEntry("ListUnitPrice", "").containsEntry("x_CostBasis", "unpriced");
        // OpenRouter billed 0.0009 where the table says 0.00075: shared 150 : 600 over input and output
        Map<String, String> openrouter = Map.of("SubAccountId", "router-app", "SkuId", "gpt-4o-mini");
        assertThat(row(rows, openrouter, "input")).containsEntry("BilledCost", "0.00018")
                .containsEntry("ListCost", "0.00015").containsEntry("ProviderName", "OpenRouter")
                .containsEntry("BillingAccountId", "openrouter");
        assertThat(row(rows, openrouter, "output")).containsEntry("BilledCost", "0.00072")
                .containsEntry("ListCost", "0.0006");
        // a model the table dropped: the call's logged cost on one charge for the call, its tokens beside it at $0
        Map<String, String> call = row(rows, Map.of("SkuId", "retired-model"), "call");
        assertThat(call).containsEntry("BilledCost", "0.003").containsEntry("ListCost", "0.003")
                .containsEntry("ConsumedUnit", "Requests").containsEntry("x_CostBasis", "call_cost");
        assertThat(row(rows, Map.of("SkuId", "retired-model"), "output")).containsEntry("ConsumedQuantity", "10")
                .containsEntry("BilledCost", "0");
    }

    @Test
    void theBilledCostAddsUpToTheJsonReportsTotalExactly() throws Exception {
        Outcome json = runner.run(options(LOG, "json", null, null, null, List.of()));
        BigDecimal total = new BigDecimal(json(json.stdout()).get("summary").get("total_cost_usd").asText());

        assertThat(total).isEqualByComparingTo("1.32950875");
        assertThat(billed(focus(options(LOG, "focus", null, null, null, List.of())))).isEqualTo(total);
    }

    /** The report fixture's log (gzipped days, malformed lines, many keys and models), under filters and periods. */
    @ParameterizedTest(name = "--period {0} --key {1} --model {2} --tag {3} --user {4}")
    @CsvSource(nullValues = "-", value = {
            "-,     -,        -,           -,                   -",
            "week,  -,        -,           -,                   -",
            "month, -,        -,           -,                   -",
            "-,     storybot, -,           -,                   -",
            "-,     -,        gpt-4o-mini, -,                   -",
            "day,   -,        -,           operation=rag_answer, -",
            "-,     -,        -,           -,                   u1"})
    void underEveryFilterAndPeriodTheTotalIsTheJsonReports(@Nullable String period, @Nullable String key,
                                                             @Nullable String model, @Nullable String tag,
                                                             @Nullable String user) {
        StatsCommandRunner fixtures = new StatsCommandRunner(StatsFixtures.CONTEXT, 2);
        List<String> tags = tag == null ? List.of() : List.of(tag);
        Outcome json = fixtures.run(new StatsOptions(StatsFixtures.logDir(), 30, null, null, period, List.of(), key,
                model, user, tags, "json", null, false, null));
        Outcome csv = fixtures.run(new StatsOptions(StatsFixtures.logDir(), 30, null, null, period, List.of(), key,
                model, user, tags, "focus", null, false, null));
        JsonNode report = json(json.stdout());
        List<Map<String, String>> rows = parse(csv.stdout());

        assertThat(csv.exitCode()).isZero();
        assertThat(rows).isNotEmpty();
        assertThat(billed(rows)).isEqualTo(new BigDecimal(report.get("summary").get("total_cost_usd").asText()));
        assertThat(csv.stderr()).isEqualTo(json.stderr());
        if (key != null) {
            assertThat(rows).allSatisfy(r -> assertThat(r.get("SubAccountId")).isEqualTo(key));
        }
        // a charge period lies within the report's range and its billing month
        for (Map<String, String> r : rows) {
            assertThat(r.get("ChargePeriodStart")).isGreaterThanOrEqualTo(report.get("from").asText());
            assertThat(r.get("ChargePeriodEnd")).isLessThanOrEqualTo(r.get("BillingPeriodEnd"));
            assertThat(r.get("ChargePeriodStart")).isGreaterThanOrEqualTo(r.get("BillingPeriodStart"));
        }
    }

    @Test
    void aMonthPeriodIsOneChargePeriodClippedToTheRange() {
        List<Map<String, String>> rows = focus(options(LOG, "focus", "month", null, null, List.of()));

        assertThat(rows).extracting(r -> r.get("ChargePeriodStart") + " " + r.get("ChargePeriodEnd")).containsOnly(
                "2026-11-19T00:00:00Z 2026-11-23T00:00:00Z");
        // the two days' claude input of storybot and support stay apart: one is long-context
        assertThat(rows.stream().filter(r -> r.get("SkuId").equals("claude-sonnet-4-6")
                && r.get("x_Part").equals("input"))).hasSize(2);
    }

    @Test
    void aWeekAcrossAMonthsEndIsTwoChargePeriodsOneInEachBillingPeriod(@TempDir Path dir) {
        // the ISO week of Monday 2026-10-26 ends on Sunday 2026-11-01
        StatsFixtures.writeDay(dir, "2026-10-30", StatsFixtures.line("2026-10-30T12:00:00Z", "k", "gpt-4o-mini", 1000, 0,
                "0.00015", 10, null));
        StatsFixtures.writeDay(dir, "2026-11-01", StatsFixtures.line("2026-11-01T12:00:00Z", "k", "gpt-4o-mini", 2000, 0,
                "0.0003", 10, null));
        Outcome o = runner.run(new StatsOptions(dir, null, "2026-10-28", "2026-11-01", "week", List.of(), null, null,
                null, List.of(), "focus", null, false, null));

        assertThat(parse(o.stdout())).extracting(r -> r.get("ChargePeriodStart") + " " + r.get("ChargePeriodEnd") + " "
                + r.get("BillingPeriodStart") + " " + r.get("ConsumedQuantity")).containsExactly(
                "2026-10-28T00:00:00Z 2026-11-01T00:00:00Z 2026-10-01T00:00:00Z 1000",
                "2026-11-01T00:00:00Z 2026-11-02T00:00:00Z 2026-11-01T00:00:00Z 2000");
    }

    @Test
    void filtersNarrowTheRowsAndTheTotal() {
        List<Map<String, String>> support = focus(options(LOG, "focus", null, "support", null, List.of()));
        List<Map<String, String>> team = focus(options(LOG, "focus", null, null, null, List.of("team=web")));

        assertThat(support).extracting(r -> r.get("SubAccountId")).containsOnly("support");
        assertThat(billed(support)).isEqualByComparingTo("1.275");
        assertThat(team).extracting(r -> r.get("SubAccountId")).containsOnly("router-app");
        assertThat(billed(team)).isEqualByComparingTo("0.0039");
    }

    @Test
    void exportWritesTheCsvToACsvFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("focus.csv");
        Outcome o = runner.run(options(LOG, "focus", null, null, file, List.of()));

        assertThat(o.exitCode()).isZero();
        assertThat(o.stdout()).isEqualTo("wrote focus report (8 requests, $1.33) to " + file + "\n");
        assertThat(billed(parse(Files.readString(file, StandardCharsets.UTF_8)))).isEqualByComparingTo("1.32950875");
        // a JSON file cannot hold it
        Outcome json = runner.run(options(LOG, "focus", null, null, dir.resolve("focus.json"), List.of()));
        assertThat(json.exitCode()).isEqualTo(2);
        assertThat(json.stderr()).contains("--export", "--format focus");
    }

    @Test
    void byAndTheReportOnlyFlagsAreRefusedNamingTheFlag() {
        Outcome by = runner.run(options(LOG, "focus", null, null, null, List.of("model")));
        Outcome suggestions = runner.run(new StatsOptions(LOG, 4, null, null, null, List.of(), null, null, null,
                List.of(), "focus", null, true, null));

        assertThat(by.exitCode()).isEqualTo(2);
        assertThat(by.stderr()).startsWith("tollgate stats: --by model: not with --format focus").endsWith(")\n");
        assertThat(suggestions.exitCode()).isEqualTo(2);
        assertThat(suggestions.stderr()).startsWith("tollgate stats: --suggestions: not with --format focus");
    }

    @Test
    void theCiGateReadsTheExportsTotal() {
        Outcome o = runner.run(new StatsOptions(LOG, 4, null, null, null, List.of(), null, null, null, List.of(),
                "focus", null, false, new BigDecimal("1.3")));

        assertThat(o.exitCode()).isEqualTo(StatsCommandRunner.ABOVE_LIMIT);
        assertThat(o.stderr()).contains("total cost 1.32950875 USD is above --fail-above-usd 1.3");
    }

    @Test
    void aCostSharedInProportionAddsUpExactlyWithTheRoundingOnTheCostliestPart() {
        List<Charge> parts = List.of(new Charge(Part.INPUT, BigDecimal.valueOf(400), new BigDecimal("2.5"),
                new BigDecimal("0.001")), new Charge(Part.OUTPUT, BigDecimal.valueOf(200), BigDecimal.TEN,
                new BigDecimal("0.002")));

        BigDecimal[] shares = FocusCharges.share(new BigDecimal("0.01"), parts);

        assertThat(shares[0]).isEqualTo(new BigDecimal("0.003333333333333333"));
        assertThat(shares[1]).isEqualTo(new BigDecimal("0.006666666666666667"));
        assertThat(shares[0].add(shares[1])).isEqualByComparingTo("0.01");
        // the parts' own costs when they are the logged cost; nothing to share a cost by when they cost nothing
        assertThat(FocusCharges.share(new BigDecimal("0.003"), parts)).containsExactly(new BigDecimal("0.001"),
                new BigDecimal("0.002"));
        List<Charge> free = List.of(new Charge(Part.INPUT, BigDecimal.ONE, null, BigDecimal.ZERO));
        assertThat(FocusCharges.share(new BigDecimal("0.5"), free)).isNull();
        assertThat(FocusCharges.share(BigDecimal.ZERO, free)).containsExactly(BigDecimal.ZERO);
    }

    private static StatsOptions options(Path log, String format, @Nullable String period, @Nullable String key,
                                        @Nullable Path export, List<String> tagsOrBy) {
        boolean by = tagsOrBy.stream().noneMatch(t -> t.contains("="));
        return new StatsOptions(log, 4, null, null, period, by ? tagsOrBy : List.of(), key, null, null,
                by ? List.of() : tagsOrBy, format, export, false, null);
    }

    private List<Map<String, String>> focus(StatsOptions o) {
        Outcome out = runner.run(o);
        assertThat(out.exitCode()).as(out.stderr()).isZero();
        return parse(out.stdout());
    }

    private static BigDecimal billed(List<Map<String, String>> rows) {
        return rows.stream().map(r -> new BigDecimal(r.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add)
                .stripTrailingZeros();
    }

    private static String quantity(List<Map<String, String>> rows, Map<String, String> where, String part) {
        return row(rows, where, part).get("ConsumedQuantity");
    }

    private static Map<String, String> row(List<Map<String, String>> rows, Map<String, String> where, String part) {
        Predicate<Map<String, String>> match = r -> r.get("x_Part").equals(part)
                && where.entrySet().stream().allMatch(e -> e.getValue().equals(r.get(e.getKey())));
        List<Map<String, String>> found = rows.stream().filter(match).toList();
        assertThat(found).as(where + " " + part).hasSize(1);
        return found.get(0);
    }

    /** RFC 4180: fields split on commas, quoted ones may hold commas, doubled quotes and line breaks; CRLF ends a record. */
    static List<Map<String, String>> parse(String csv) {
        List<List<String>> records = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < csv.length(); i++) {
            char c = csv.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < csv.length() && csv.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                assertThat(field).as("a quote inside an unquoted field").isEmpty();
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\r') {
                assertThat(csv.charAt(i + 1)).as("CR without LF").isEqualTo('\n');
                fields.add(field.toString());
                field.setLength(0);
                records.add(fields);
                fields = new ArrayList<>();
                i++;
            } else {
                assertThat(c).as("a bare LF").isNotEqualTo('\n');
                field.append(c);
            }
        }
        assertThat(quoted).as("an unterminated quote").isFalse();
        assertThat(field.length() + fields.size()).as("a last record without CRLF").isZero();
        List<String> header = records.get(0);
        List<Map<String, String>> rows = new ArrayList<>();
        for (List<String> r : records.subList(1, records.size())) {
            assertThat(r).hasSameSizeAs(header);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                row.put(header.get(i), r.get(i));
            }
            rows.add(row);
        }
        return rows;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(FocusExportTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

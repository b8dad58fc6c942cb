package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static tollgate.metering.report.StatsFixtures.fromLog;
import static tollgate.metering.report.StatsFixtures.query;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tollgate.metering.usage.UnitCounts;

class StatsFormatterTest {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ObjectMapper YAML =
            new YAMLMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static StatsReport report(List<GroupBy> by) {
        return fromLog(query(by, StatsFilter.NONE, true));
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void jsonHasTheSpecTreeAndParsesBackWithExactMoney() throws Exception {
        JsonNode n = JSON.readTree(StatsFormatter.json(report(List.of(GroupBy.of(Dimension.MODEL)))));

        assertThat(fieldNames(n)).containsExactly("from", "to", "period", "filters", "summary", "series", "groups", "projection",
                "suggestions", "skipped_lines");
        assertThat(fieldNames(n.get("summary"))).startsWith("requests", "input_tokens", "cached_input_tokens",
                "output_tokens", "reasoning_tokens", "total_tokens", "total_cost_usd", "avg_tokens_per_request",
                "avg_cost_per_request_usd", "estimated_requests", "error_requests");
        assertThat(n.get("from").asText()).isEqualTo("2026-11-19");
        assertThat(n.at("/summary/total_cost_usd").decimalValue()).isEqualByComparingTo("33.3477775");
        assertThat(fieldNames(n.at("/series/0"))).containsExactly(with("start", "requests", "total_tokens", "total_cost_usd"));
        assertThat(fieldNames(n.at("/groups/model/0"))).containsExactly(with("name", "requests", "total_tokens",
                "total_cost_usd", "cost_share", "input_tokens", "output_tokens", "avg_tokens_per_request",
                "success_requests", "error_requests", "p50_duration_ms", "p95_duration_ms", "cache_hit_rate",
                "first_ts", "last_ts"));
        assertThat(fieldNames(n.get("summary"))).endsWith(UnitCounts.NAMES.toArray(String[]::new));
        assertThat(n.at("/summary/web_search_calls").asLong()).isZero();
        assertThat(fieldNames(n.get("projection"))).startsWith("daily_average_usd", "month_end_usd");
        assertThat(fieldNames(n.at("/suggestions/0"))).contains("title", "detail", "potential_savings_usd", "action");
        assertThat(n.get("skipped_lines").asLong()).isEqualTo(2);
    }

    /** The columns followed by SPEC 12's unit columns. */
    static String[] with(String... columns) {
        List<String> all = new java.util.ArrayList<>(List.of(columns));
        all.addAll(UnitCounts.NAMES);
        return all.toArray(String[]::new);
    }

    /** The cells followed by a 0 for each of SPEC 12's units. */
    static String[] zeros(String... cells) {
        List<String> all = new java.util.ArrayList<>(List.of(cells));
        UnitCounts.NAMES.forEach(n -> all.add("0"));
        return all.toArray(String[]::new);
    }

    @Test
    void jsonMoneyIsPlainWithoutExponent() {
        String json = StatsFormatter.json(report(List.of()));

        assertThat(json).contains("\"total_cost_usd\":3.5002775", "\"total_cost_usd\":33.3477775")
                .doesNotContainPattern("\\d[eE][+-]?\\d");
    }

    @Test
    void yamlIsTheSameTreeAsJson() throws Exception {
        StatsReport r = report(List.of(GroupBy.of(Dimension.KEY), GroupBy.of(Dimension.USER),
                GroupBy.parse("tag:operation")));

        JsonNode fromYaml = YAML.readTree(StatsFormatter.yaml(r));
        JsonNode fromJson = JSON.readTree(StatsFormatter.json(r));
        assertThat(fromYaml).isEqualTo(fromJson);
        assertThat(StatsFormatter.yaml(r)).doesNotContainPattern("\\d[eE][+-]?\\d");
    }

    @Test
    void csvHasOneRowPerGroupAndParsesBack() {
        String csv = StatsFormatter.csv(report(List.of(GroupBy.of(Dimension.KEY), GroupBy.of(Dimension.ENDPOINT))));

        List<List<String>> rows = parseCsv(csv);
        assertThat(rows.get(0)).startsWith("by", "name", "requests", "total_tokens", "total_cost_usd", "cost_share");
        assertThat(rows.get(0)).endsWith(UnitCounts.NAMES.toArray(String[]::new));
        assertThat(rows).hasSize(1 + 2 + 2);
        assertThat(rows.get(1)).startsWith("key", "storybot", "7", "13301510", "31.9077775", "0.9568");
        assertThat(rows.get(3).get(0)).isEqualTo("endpoint");
    }

    @Test
    void csvWithoutGroupingsHasOneRowPerSeriesBucket() {
        List<List<String>> rows = parseCsv(StatsFormatter.csv(report(List.of())));

        assertThat(rows).hasSize(5);
        assertThat(rows.get(0)).containsExactly(with("start", "requests", "total_tokens", "total_cost_usd"));
        assertThat(rows.get(4)).containsExactly(zeros("2026-11-22", "2", "1101400", "3.5002775"));
    }

    @Test
    void csvQuotesNamesWithCommasAndQuotes() {
        StatsReport r = new StatsReport(StatsFixtures.FROM, StatsFixtures.TODAY, ReportPeriod.DAY,
                report(List.of()).summary(), List.of(), java.util.Map.of("user", List.of(new StatsReport.GroupRow(
                        "Doe, \"J\"", 1, 2, java.math.BigDecimal.ONE, java.math.BigDecimal.ONE, 1, 1,
                        java.math.BigDecimal.valueOf(2), 1, 0, 700, 1500, java.math.BigDecimal.ZERO,
                        java.time.Instant.parse("2026-11-22T10:00:00Z"), java.time.Instant.parse("2026-11-22T10:00:00Z")))),
                report(List.of()).projection(), List.of(), 0, StatsFilter.NONE, null, null);

        assertThat(parseCsv(StatsFormatter.csv(r)).get(1)).containsExactly(zeros("user", "Doe, \"J\"", "1", "2", "1", "1",
                "1", "1", "2", "0", "1", "700", "1500", "0", "2026-11-22T10:00:00Z", "2026-11-22T10:00:00Z"));
    }

    @Test
    void tableIsAlignedWithThousandsSeparatorsAndDollars() {
        String table = StatsFormatter.table(report(List.of(GroupBy.of(Dimension.KEY))));

        assertThat(table).contains("74,301,510", "$33.35", "$31.91", "95.7%", "2026-11-21", "BY KEY",
                "SUGGESTIONS", "Skipped lines");
        List<String> keyLines = table.substring(0, table.indexOf("SUGGESTIONS")).lines()
                .filter(l -> l.contains("storybot") || l.contains("searcher") || l.contains("BY KEY")).toList();
        assertThat(keyLines).hasSize(3);
        // right-aligned columns: every row of the block ends at the same column
        assertThat(keyLines).extracting(String::length).containsOnly(keyLines.get(0).length());
    }

    /** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
    static List<List<String>> parseCsv(String csv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        Iterator<Integer> it = csv.chars().iterator();
        int prev = -1;
        while (it.hasNext()) {
            char c = (char) (int) it.next();
            if (quoted) {
                if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"') {
                if (prev == '"') {
                    cell.append('"');
                }
                quoted = true;
            } else if (c == ',') {
                row.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n') {
                row.add(cell.toString());
                cell.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else if (c != '\r') {
                cell.append(c);
            }
            prev = c;
        }
        return rows;
    }
}

package tollgate.proxy.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;
import tollgate.proxy.budget.BudgetEnforcementTest;

/**
 * Issue 18's "the same totals in table, JSON, YAML, CSV, the admin API and the dashboard": the seeded week's
 * {@code stats} in every format and {@code /admin/usage} (the dashboard's source) carry the same totals, groups and
 * warnings. That the dashboard draws {@code /admin/usage}'s figures as {@code stats} writes them is
 * {@link DashboardBrowserTest}'s.
 */
class SameTotalsTest {
    private static final YAMLMapper YAML = YAMLMapper.builder().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    private static final String[] QUERY = {"--days", "7", "--by", "model", "--by", "key", "--by", "provider", "--warnings"};

    @TempDir
    Path dir;

    MockWebServer upstream;
    TestTollgate tg;

    @BeforeEach
    void start() throws Exception {
        upstream = Upstreams.answering(BudgetEnforcementTest.ANSWER);
        SeededWeek.write(dir.resolve("logs"));
        tg = Figures.withAdmin(upstream.url("/").toString(), dir, DashboardBrowserTest.ADMIN);
    }

    @AfterEach
    void stop() throws Exception {
        if (tg != null) {
            tg.close();
        }
        upstream.close();
    }

    @Test
    void tableJsonYamlCsvAndTheAdminApiCarryTheSameTotals() throws Exception {
        JsonNode json = Figures.stats(tg.logDir, QUERY);
        BigDecimal total = json.at("/summary/total_cost_usd").decimalValue();
        // 7 × ($0.0002775 + $0.05 + $0.0072633) + $1,234.5678901 + $4.2
        assertThat(total).isEqualByComparingTo("1239.1706757");
        assertThat(json.at("/summary/requests").asLong()).isEqualTo(23);

        // the admin API: the same tree from the in-memory aggregates, warnings from the same scan of the log
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(tg.base()
                        + "/admin/usage?days=7&by=model&by=key&by=provider&warnings=true"))
                .header("Authorization", "Bearer " + DashboardBrowserTest.ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode admin = Figures.JSON.readTree(answer.body());
        for (String part : List.of("summary", "series", "groups", "projection", "warnings")) {
            assertThat(admin.get(part)).as(part).isEqualTo(json.get(part));
        }
        assertThat(json.get("warnings")).isNotEmpty();
        HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(tg.base()
                        + "/admin/usage?days=7&warnings=maybe"))
                .header("Authorization", "Bearer " + DashboardBrowserTest.ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("warnings: 'maybe' (expected: true or false)");

        // YAML: the same tree
        JsonNode yaml = YAML.readTree(Figures.printed(tg.logDir, "yaml", QUERY));
        assertThat(yaml.at("/summary/total_cost_usd").decimalValue()).isEqualByComparingTo(total);
        assertThat(yaml.at("/summary/requests").asLong()).isEqualTo(23);
        for (String group : List.of("model", "key", "provider")) {
            JsonNode rows = json.at("/groups/" + group);
            assertThat(yaml.at("/groups/" + group)).as(group).hasSize(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                assertThat(yaml.at("/groups/" + group + "/" + i + "/total_cost_usd").decimalValue())
                        .isEqualByComparingTo(rows.get(i).get("total_cost_usd").decimalValue());
            }
        }

        // CSV: one row per group, exact costs; each grouping's rows add up to the total
        List<String[]> csv = new ArrayList<>();
        Figures.printed(tg.logDir, "csv", QUERY).lines().skip(1).forEach(l -> csv.add(l.split(",", -1)));
        for (String group : List.of("model", "key", "provider")) {
            JsonNode rows = json.at("/groups/" + group);
            List<String[]> mine = csv.stream().filter(r -> r[0].equals(group)).toList();
            assertThat(mine).as(group).hasSize(rows.size());
            BigDecimal sum = BigDecimal.ZERO;
            for (int i = 0; i < rows.size(); i++) {
                assertThat(mine.get(i)[1]).isEqualTo(rows.get(i).get("name").asText());
                assertThat(mine.get(i)[2]).isEqualTo(rows.get(i).get("requests").asText());
                assertThat(new BigDecimal(mine.get(i)[4])).isEqualByComparingTo(rows.get(i).get("total_cost_usd").decimalValue());
                sum = sum.add(new BigDecimal(mine.get(i)[4]));
            }
            assertThat(sum).as(group + " rows add up").isEqualByComparingTo(total);
        }

        // the table: the total and every group row's cost, in cents from $1 up, four significant digits below
        String table = Figures.printed(tg.logDir, "table", QUERY);
        assertThat(table).contains("$1,239.17");
        for (String group : List.of("model", "key", "provider")) {
            for (JsonNode r : json.at("/groups/" + group)) {
                String name = r.get("name").asText();
                assertThat(table.lines().filter(l -> l.trim().startsWith(name + " ")
                                && l.contains(" " + Figures.usd(r.get("total_cost_usd"))) && l.contains(" " + Figures.count(r.get("requests")) + " ")))
                        .as(group + " " + name).isNotEmpty();
            }
        }
        for (JsonNode w : json.get("warnings")) {
            assertThat(table).contains(w.get("title").asText());
        }
    }
}

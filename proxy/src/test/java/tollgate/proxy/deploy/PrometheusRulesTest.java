package tollgate.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** deploy/prometheus checked by promtool: rules, the compose stack's config, unit tests that fire every alert. */
@Tag("deploy")
class PrometheusRulesTest {
    @TempDir
    Path tmp;

    Path promtool;
    Shell shell;

    @BeforeEach
    void tool() {
        promtool = Shell.require("promtool", "apt-get install prometheus");
        shell = new Shell(Map.of(), RepoLayout.deploy("prometheus"));
    }

    @Test
    void promtoolAcceptsEveryRule() {
        Shell.Result r = shell.run(Duration.ofMinutes(1), promtool.toString(), "check", "rules", "rules.yml").orFail();
        assertThat(r.out()).contains("SUCCESS: " + DashboardQueries.rules().size() + " rules found");
    }

    @Test
    void promtoolAcceptsTheComposeStacksPrometheusConfigAndItsRuleFile() {
        Shell.Result r = shell.run(Duration.ofMinutes(1), promtool.toString(), "check", "config", "prometheus.yml").orFail();
        assertThat(r.out()).contains("SUCCESS: 1 rule files found").contains("rules.yml");
    }

    @Test
    void unitTestsFireEveryAlertFromSyntheticSeries() throws Exception {
        shell.run(Duration.ofMinutes(2), promtool.toString(), "test", "rules", "tests.yml").orFail();
        Set<String> alerts = new TreeSet<>();
        DashboardQueries.rules().forEach(q -> alerts.add(q.title()));
        assertThat(firedIn(RepoLayout.deploy("prometheus/tests.yml"))).as("alerts with a firing case in tests.yml").isEqualTo(alerts);
    }

    @Test
    void theUnitTestsFailWhenAnAlertNoLongerFires() throws Exception {
        // the tests have teeth: a 95 % alert moved to 99 % must make them fail
        String rules = Files.readString(RepoLayout.deploy("prometheus/rules.yml"));
        assertThat(rules).contains(">= 0.95\n        for: 1m");
        Files.writeString(tmp.resolve("rules.yml"), rules.replace(">= 0.95\n        for: 1m", ">= 0.99\n        for: 1m"));
        Files.copy(RepoLayout.deploy("prometheus/tests.yml"), tmp.resolve("tests.yml"));
        Shell.Result r = shell.in(tmp).run(Duration.ofMinutes(2), promtool.toString(), "test", "rules", "tests.yml");
        assertThat(r.code()).isNotZero();
        assertThat(r.out() + r.err()).contains("TollgateBudget95Percent");
    }

    @Test
    void everyDashboardQueryIsValidPromQl() throws Exception {
        // promtool parses expressions only in rule files: each query becomes a recording rule
        List<DashboardQueries.Query> queries = new ArrayList<>(DashboardQueries.panels());
        queries.addAll(DashboardQueries.variables());
        StringBuilder file = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < queries.size(); i++) {
            String expr = DashboardQueries.substitute(queries.get(i).expr(), "1m", "6h");
            file.append("      - record: dashboard:query_").append(i).append("\n        expr: ")
                    .append(new YAMLMapper().writeValueAsString(expr).replaceFirst("^---\\s*", "").strip()).append('\n');
        }
        Files.writeString(tmp.resolve("dashboard-rules.yml"), file);
        Shell.Result r = shell.in(tmp).run(Duration.ofMinutes(1), promtool.toString(), "check", "rules", "dashboard-rules.yml");
        assertThat(r.code()).as(r.describe() + "\n" + file).isZero();
        assertThat(r.out()).contains("SUCCESS: " + queries.size() + " rules found");
    }

    private static Set<String> firedIn(Path tests) throws Exception {
        Set<String> fired = new TreeSet<>();
        JsonNode root = new YAMLMapper().readTree(tests.toFile());
        for (JsonNode t : root.path("tests")) {
            for (JsonNode a : t.path("alert_rule_test")) {
                if (a.path("exp_alerts").size() > 0) {
                    fired.add(a.path("alertname").asText());
                }
            }
        }
        return fired;
    }
}

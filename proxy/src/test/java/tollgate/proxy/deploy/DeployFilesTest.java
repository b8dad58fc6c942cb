package tollgate.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigLoader;
import tollgate.config.StoreConfig;
import tollgate.config.TollgateConfig;

/** How the deploy files fit together and with SPEC 1, 7 and 9; what needs no container engine to check. */
@Tag("deploy")
class DeployFilesTest {
    /** SPEC 9's metric names; histograms expose _bucket, _sum and _count. */
    static final Set<String> SPEC_9 = Set.of("tollgate_requests_total", "tollgate_tokens_total", "tollgate_cost_usd_total",
            "tollgate_budget_limit_usd", "tollgate_budget_spent_usd", "tollgate_budget_remaining_usd",
            "tollgate_budget_rejections_total", "tollgate_budget_alerts_total", "tollgate_unpriced_requests_total",
            "tollgate_usage_log_records_total", "tollgate_usage_log_failures_total");
    static final Set<String> SPEC_9_HISTOGRAMS = Set.of("tollgate_request_duration_seconds", "tollgate_upstream_ttfb_seconds",
            "tollgate_overhead_seconds");
    static final Pattern METRIC = Pattern.compile("\\btollgate_[a-z_]+");

    @Test
    void dashboardAndRulesUseOnlySpec9MetricNames() {
        List<DashboardQueries.Query> all = new ArrayList<>(DashboardQueries.panels());
        all.addAll(DashboardQueries.variables());
        all.addAll(DashboardQueries.rules());
        Set<String> unknown = new TreeSet<>();
        Set<String> used = new HashSet<>();
        for (DashboardQueries.Query q : all) {
            Matcher m = METRIC.matcher(q.expr());
            while (m.find()) {
                String name = m.group();
                used.add(name);
                String base = name.replaceFirst("_(bucket|sum|count)$", "");
                boolean ok = SPEC_9.contains(name) || (SPEC_9_HISTOGRAMS.contains(base) && !base.equals(name));
                if (!ok) {
                    unknown.add(name + " (in " + q.title() + ")");
                }
            }
        }
        assertThat(unknown).as("metric names that are not SPEC 9's").isEmpty();
        assertThat(used).contains("tollgate_cost_usd_total", "tollgate_tokens_total", "tollgate_requests_total",
                "tollgate_budget_remaining_usd", "tollgate_overhead_seconds_bucket", "tollgate_request_duration_seconds_bucket");
    }

    @Test
    void everyDashboardQueryUsesTheDashboardsDataSourceVariable() {
        JsonNode dash = DashboardQueries.dashboard();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : dash.path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
            for (JsonNode t : p.path("targets")) {
                assertThat(t.path("datasource").path("uid").asText()).as(p.path("title").asText()).isEqualTo("${datasource}");
            }
        }
        assertThat(dash.path("templating").path("list").findValuesAsText("name")).contains("datasource", "key", "model");
        assertThat(dash.path("uid").asText()).isEqualTo("tollgate");
    }

    @Test
    void composeImagesComeFromVariablesWithPublicDefaults() throws Exception {
        JsonNode services = compose().path("services");
        Map<String, String> variables = Map.of("tollgate-1", "TOLLGATE_IMAGE", "tollgate-2", "TOLLGATE_IMAGE",
                "redis", "REDIS_IMAGE", "postgres", "POSTGRES_IMAGE", "prometheus", "PROMETHEUS_IMAGE", "grafana", "GRAFANA_IMAGE");
        assertThat(services.fieldNames()).toIterable().containsExactlyInAnyOrderElementsOf(variables.keySet());
        variables.forEach((service, variable) -> {
            String image = services.path(service).path("image").asText();
            assertThat(image).as(service).matches(Pattern.quote("${" + variable + ":-") + "[^}$]+}");
            assertThat(image).as(service + ": the default is a public image").doesNotContain("localhost/");
        });
    }

    @Test
    void composeReplicasShareOneConfigWhoseBudgetsLiveInTheStacksRedis() throws Exception {
        JsonNode compose = compose();
        JsonNode one = compose.path("services").path("tollgate-1");
        JsonNode two = compose.path("services").path("tollgate-2");
        String config = "${TOLLGATE_CONFIG_FILE:-./tollgate.yaml}:/etc/tollgate/tollgate.yaml:ro";
        assertThat(texts(one.path("volumes"))).contains(config).contains("tollgate-1-logs:/var/lib/tollgate");
        assertThat(texts(two.path("volumes"))).contains(config).contains("tollgate-2-logs:/var/lib/tollgate");
        assertThat(one.path("read_only").asBoolean()).isTrue();

        // the real loader, with the variables compose gives the replicas
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-x", "TEAM_A_KEY", "a", "TEAM_B_KEY", "b", "POSTGRES_PASSWORD", "pw");
        TollgateConfig cfg = new ConfigLoader(env).load(RepoLayout.deploy("compose/tollgate.yaml"), CliOverrides.NONE);
        assertThat(cfg.budgets().redisUri()).isNotNull();
        assertThat(compose.path("services").has(cfg.budgets().redisUri().getHost())).as("budgets.store names a compose service").isTrue();
        assertThat(env.keySet()).allSatisfy(v -> assertThat(one.path("environment").has(v)).as(v).isTrue());

        // log.store: the stack's PostgreSQL, as the user and database it makes, with the password it is given
        StoreConfig usage = cfg.log().store();
        assertThat(usage).as("log.store").isNotNull();
        JsonNode postgres = compose.path("services").path(usage.host());
        assertThat(postgres.isMissingNode()).as("log.store names a compose service").isFalse();
        assertThat(usage.user()).isEqualTo(postgres.path("environment").path("POSTGRES_USER").asText());
        assertThat(usage.database()).isEqualTo(postgres.path("environment").path("POSTGRES_DB").asText());
        assertThat(usage.port()).isEqualTo(5432);
        assertThat(usage.password()).as("the URL's ${POSTGRES_PASSWORD}").isEqualTo("pw");
        for (JsonNode replica : List.of(one, two)) {
            assertThat(replica.path("environment").path("POSTGRES_PASSWORD").asText()).as("one password, given to both")
                    .isEqualTo(postgres.path("environment").path("POSTGRES_PASSWORD").asText())
                    .matches(Pattern.quote("${POSTGRES_PASSWORD:-") + "[^}$]+}");
            assertThat(replica.path("depends_on").path("postgres").path("condition").asText()).isEqualTo("service_healthy");
            assertThat(replica.path("depends_on").path("redis").isMissingNode()).isFalse();
        }
        assertThat(texts(postgres.path("healthcheck").path("test"))).contains("pg_isready");
        assertThat(texts(postgres.path("volumes"))).contains("postgres-data:" + postgres.path("environment").path("PGDATA").asText());
        assertThat(compose.path("volumes").has("postgres-data")).isTrue();

        JsonNode prometheus = new YAMLMapper().readTree(RepoLayout.deploy("prometheus/prometheus.yml").toFile());
        List<String> targets = new ArrayList<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            if (job.path("job_name").asText().equals("tollgate")) {
                job.path("static_configs").forEach(sc -> sc.path("targets").forEach(t -> targets.add(t.asText())));
            }
        }
        assertThat(targets).containsExactlyInAnyOrder("tollgate-1:8080", "tollgate-2:8080");
    }

    @Test
    void grafanaIsProvisionedWithTheStacksPrometheusAndTheDashboard() throws Exception {
        JsonNode grafana = compose().path("services").path("grafana");
        JsonNode ds = new YAMLMapper().readTree(RepoLayout.deploy("grafana/provisioning/datasources/prometheus.yml").toFile());
        assertThat(ds.path("datasources").get(0).path("url").asText()).isEqualTo("http://prometheus:9090");
        JsonNode provider = new YAMLMapper().readTree(RepoLayout.deploy("grafana/provisioning/dashboards/tollgate.yml").toFile());
        String path = provider.path("providers").get(0).path("options").path("path").asText();
        assertThat(texts(grafana.path("volumes"))).contains("../grafana/tollgate.json:" + path + "/tollgate.json:ro",
                "../grafana/provisioning:/etc/grafana/provisioning:ro");
    }

    @Test
    void theDockerfileDefaultsToPublicImagesAndTheMavenStage() throws Exception {
        String dockerfile = Files.readString(RepoLayout.deploy("Dockerfile"));
        assertThat(dockerfile).contains("ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17", "ARG RUNTIME_IMAGE=eclipse-temurin:17-jre",
                "ARG JAR_FROM=build", "FROM ${JAR_FROM} AS jar");
        assertThat(dockerfile).containsPattern("(?m)^FROM \\$\\{BUILD_IMAGE} AS build$").containsPattern("(?m)^\\s+\\./mvnw ");
        // exec form (a JSON array): no shell between the container runtime's SIGTERM and the JVM
        assertThat(dockerfile).containsPattern("(?m)^ENTRYPOINT \\[\"[^\"]+\"]$").containsPattern("(?m)^USER \\$\\{TOLLGATE_UID}:\\$\\{TOLLGATE_UID}$");
        assertThat(Files.readString(RepoLayout.deploy("container/entrypoint.sh"))).contains("exec java ");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** compose.yaml with its anchors and merge keys ({@code <<: *tollgate}) applied, as compose does (SnakeYAML does). */
    static JsonNode compose() throws Exception {
        Object tree = new org.yaml.snakeyaml.Yaml().load(Files.readString(RepoLayout.deploy("compose/compose.yaml")));
        return new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(tree);
    }
}

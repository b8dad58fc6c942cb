package tollgate.proxy.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigLoader;
import tollgate.config.KeyConfig;
import tollgate.config.StoreConfig;
import tollgate.config.TollgateConfig;

/** deploy/k8s rendered by the real kustomize (kubectl kustomize), and the rendered objects checked. */
@Tag("deploy")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KustomizeBaseTest {
    RenderedObjects rendered;
    JsonNode deployment;
    JsonNode container;

    static final String INSTALL = "apt-get install kubernetes-client, or Google's kubectl package";

    @BeforeAll
    void render() throws Exception {
        Path kubectl = Shell.which("kubectl").orElse(null);
        if (kubectl == null) {
            return; // each test reports the reason as skipped
        }
        Shell.Result r = new Shell(Map.of(), RepoLayout.root()).run(Duration.ofMinutes(1), kubectl.toString(), "kustomize", "deploy/k8s").orFail();
        rendered = new RenderedObjects(r.out());
        deployment = rendered.one("Deployment", "tollgate");
        container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
    }

    @BeforeEach
    void tool() {
        Shell.require("kubectl", INSTALL);
    }

    @Test
    void theBaseRendersEveryObjectOfATollgateDeployment() {
        assertThat(rendered.all()).extracting(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText().replaceAll("-[a-z0-9]{10}$", ""))
                .containsExactlyInAnyOrder("Deployment/tollgate", "Service/tollgate", "ConfigMap/tollgate-config", "Secret/tollgate",
                        "PodDisruptionBudget/tollgate", "HorizontalPodAutoscaler/tollgate", "ServiceMonitor/tollgate",
                        "StatefulSet/tollgate-redis", "Service/tollgate-redis",
                        "StatefulSet/tollgate-postgres", "Service/tollgate-postgres");
    }

    @Test
    void twoReplicasWithProbesOnReadyzAndHealthz() {
        assertThat(deployment.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(RenderedObjects.selects(deployment.path("spec").path("selector").path("matchLabels"),
                deployment.path("spec").path("template").path("metadata").path("labels"))).isTrue();
        assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
        assertThat(container.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/healthz");
        assertThat(container.path("readinessProbe").path("httpGet").path("port").asText()).isEqualTo("http");
        assertThat(container.path("ports").get(0).path("containerPort").asInt()).isEqualTo(8080);
        assertThat(container.path("ports").get(0).path("name").asText()).isEqualTo("http");
        assertThat(env("TOLLGATE_LISTEN").path("value").asText()).isEqualTo("0.0.0.0:8080");
        assertThat(container.path("resources").path("requests").has("cpu")).isTrue();
        assertThat(container.path("resources").path("requests").has("memory")).isTrue();
        assertThat(container.path("resources").path("limits").has("memory")).isTrue();
        // SIGTERM drains for shutdown.grace (30 s by default): the pod must get longer than that
        assertThat(deployment.path("spec").path("template").path("spec").path("terminationGracePeriodSeconds").asInt())
                .isGreaterThan((int) TollgateConfig.DEFAULT_SHUTDOWN_GRACE.toSeconds());
    }

    @Test
    void thePodRunsAsTheImagesNonRootUidOnAReadOnlyRoot() {
        JsonNode pod = deployment.path("spec").path("template").path("spec").path("securityContext");
        JsonNode sc = container.path("securityContext");
        assertThat(pod.path("runAsNonRoot").asBoolean() || sc.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.path("runAsUser").asInt()).as("the uid of deploy/Dockerfile").isEqualTo(10001);
        assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(sc.has("allowPrivilegeEscalation")).isTrue();
        assertThat(sc.path("allowPrivilegeEscalation").asBoolean()).isFalse();
        // what a read-only root still needs writable: the usage log and /tmp (Netty's native transport)
        List<String> mounts = new ArrayList<>();
        container.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        assertThat(mounts).contains("/var/lib/tollgate", "/tmp", "/etc/tollgate");
    }

    @Test
    void theConfigMapHoldsAValidConfigWhoseBudgetsLiveInTheBasesRedis(@TempDir Path tmp) throws Exception {
        JsonNode configMap = rendered.one("ConfigMap", "tollgate-config");
        String configMapName = configMap.path("metadata").path("name").asText();
        String volumeConfigMap = null;
        for (JsonNode v : deployment.path("spec").path("template").path("spec").path("volumes")) {
            if (v.has("configMap")) {
                volumeConfigMap = v.path("configMap").path("name").asText();
            }
        }
        assertThat(volumeConfigMap).as("the Deployment mounts the generated ConfigMap (hash suffix included)").isEqualTo(configMapName);
        assertThat(env("TOLLGATE_CONFIG").path("value").asText()).isEqualTo("/etc/tollgate/tollgate.yaml");

        Path file = Files.writeString(tmp.resolve("tollgate.yaml"), configMap.path("data").path("tollgate.yaml").asText());
        Map<String, String> podEnv = new HashMap<>();
        // literal values as given; values from the Secret as stand-ins
        container.path("env").forEach(e -> podEnv.put(e.path("name").asText(),
                e.has("value") ? e.path("value").asText() : "from-secret-" + e.path("name").asText()));
        // the real loader, with exactly the variables the pod gets: a key_env the pod lacks is an error
        TollgateConfig config = new ConfigLoader(podEnv).load(file, CliOverrides.NONE);
        URI store = config.budgets().redisUri();
        assertThat(store).as("budgets.store").isNotNull();
        JsonNode redis = rendered.one("Service", "tollgate-redis");
        assertThat(store.getHost()).isEqualTo(redis.path("metadata").path("name").asText());
        assertThat(store.getPort()).isEqualTo(redis.path("spec").path("ports").get(0).path("port").asInt());
        JsonNode redisPods = rendered.one("StatefulSet", "tollgate-redis").path("spec").path("template").path("metadata").path("labels");
        assertThat(RenderedObjects.selects(redis.path("spec").path("selector"), redisPods)).isTrue();
        assertThat(config.keys()).extracting(KeyConfig::upstreamKeyEnv).contains("OPENAI_API_KEY");

        // log.store: the base's PostgreSQL, as the user and database it makes, the password from the pod's environment
        StoreConfig usage = config.log().store();
        assertThat(usage).as("log.store").isNotNull();
        JsonNode postgres = rendered.one("Service", "tollgate-postgres");
        assertThat(usage.host()).isEqualTo(postgres.path("metadata").path("name").asText());
        assertThat(usage.port()).isEqualTo(postgres.path("spec").path("ports").get(0).path("port").asInt());
        JsonNode postgresPod = rendered.one("StatefulSet", "tollgate-postgres").path("spec").path("template");
        assertThat(RenderedObjects.selects(postgres.path("spec").path("selector"), postgresPod.path("metadata").path("labels"))).isTrue();
        JsonNode db = postgresPod.path("spec").path("containers").get(0);
        assertThat(usage.user()).isEqualTo(env(db, "POSTGRES_USER").path("value").asText());
        assertThat(usage.database()).isEqualTo(env(db, "POSTGRES_DB").path("value").asText());
        assertThat(usage.password()).as("from TOLLGATE_DB_PASSWORD").isNotNull().isEqualTo(podEnv.get(StoreConfig.ENV_PASSWORD));
        assertThat(usage.optional()).isFalse();
    }

    @Test
    void theLogStorePasswordIsOneSecretKeyForTheDatabaseAndEveryReplica() {
        JsonNode secret = rendered.one("Secret", "tollgate");
        JsonNode db = rendered.one("StatefulSet", "tollgate-postgres").path("spec").path("template").path("spec").path("containers").get(0);
        JsonNode replicas = env(StoreConfig.ENV_PASSWORD).path("valueFrom").path("secretKeyRef");
        JsonNode database = env(db, "POSTGRES_PASSWORD").path("valueFrom").path("secretKeyRef");
        assertThat(replicas.path("name").asText()).isEqualTo(secret.path("metadata").path("name").asText());
        assertThat(database).isEqualTo(replicas);
        assertThat(secret.path("stringData").has(replicas.path("key").asText())).as("Secret key %s", replicas.path("key")).isTrue();
        // the URL in the ConfigMap holds no password, not even a reference to one
        String config = rendered.one("ConfigMap", "tollgate-config").path("data").path("tollgate.yaml").asText();
        assertThat(config).containsPattern("(?m)^\\s+store: postgres://tollgate@tollgate-postgres:5432/tollgate$");
        assertThat(RenderedObjects.selects(rendered.one("ServiceMonitor", "tollgate").path("spec").path("selector").path("matchLabels"),
                rendered.one("Service", "tollgate-postgres").path("metadata").path("labels"))).as("PostgreSQL is not scraped as tollgate").isFalse();
    }

    @Test
    void theSecretProvidesTheAdminTokenAndTheUpstreamKeyOfVirtualKeys() {
        JsonNode secret = rendered.one("Secret", "tollgate");
        assertThat(env("TOLLGATE_ADMIN_TOKEN").path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("tollgate");
        assertThat(env("OPENAI_API_KEY").path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("tollgate");
        for (JsonNode e : container.path("env")) {
            JsonNode ref = e.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                JsonNode data = secret.has("stringData") ? secret.path("stringData") : secret.path("data");
                assertThat(data.has(ref.path("key").asText())).as("Secret key %s of %s", ref.path("key").asText(), e.path("name").asText()).isTrue();
            }
        }
    }

    @Test
    void serviceMonitorPdbAndAutoscalerPointAtTheProxyPods() {
        JsonNode pods = deployment.path("spec").path("template").path("metadata").path("labels");
        JsonNode service = rendered.one("Service", "tollgate");
        assertThat(RenderedObjects.selects(service.path("spec").path("selector"), pods)).isTrue();
        assertThat(service.path("spec").path("ports").get(0).path("name").asText()).isEqualTo("http");

        JsonNode monitor = rendered.one("ServiceMonitor", "tollgate");
        assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(RenderedObjects.selects(monitor.path("spec").path("selector").path("matchLabels"), service.path("metadata").path("labels"))).isTrue();
        assertThat(RenderedObjects.selects(monitor.path("spec").path("selector").path("matchLabels"),
                rendered.one("Service", "tollgate-redis").path("metadata").path("labels"))).as("Redis is not scraped as tollgate").isFalse();
        assertThat(monitor.path("spec").path("endpoints").get(0).path("port").asText()).isEqualTo("http");
        assertThat(monitor.path("spec").path("endpoints").get(0).path("path").asText()).isEqualTo("/metrics");

        JsonNode pdb = rendered.one("PodDisruptionBudget", "tollgate");
        assertThat(pdb.path("apiVersion").asText()).isEqualTo("policy/v1");
        assertThat(RenderedObjects.selects(pdb.path("spec").path("selector").path("matchLabels"), pods)).isTrue();
        assertThat(pdb.path("spec").path("minAvailable").asInt()).isBetween(1, deployment.path("spec").path("replicas").asInt() - 1);

        JsonNode hpa = rendered.one("HorizontalPodAutoscaler", "tollgate");
        assertThat(hpa.path("apiVersion").asText()).isEqualTo("autoscaling/v2");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.path("spec").path("scaleTargetRef").path("name").asText()).isEqualTo("tollgate");
        assertThat(hpa.path("spec").path("minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.path("spec").path("maxReplicas").asInt()).isGreaterThan(hpa.path("spec").path("minReplicas").asInt());
    }

    private JsonNode env(String name) {
        return env(container, name);
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in the " + container.path("name").asText() + " container");
    }
}

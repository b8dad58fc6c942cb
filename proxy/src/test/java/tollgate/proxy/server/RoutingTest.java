package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.admin.UsageReportsTest;

/**
 * SPEC 13's routes through real sockets: openai-java through tollgate to mock upstreams chosen by model or path
 * prefix, each receiving only its calls and its own key; a model no route takes; a route whose upstream is down.
 */
class RoutingTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    // the Anthropic key as a Kubernetes secret made from a file gives it: with the file's last newline
    static final Map<String, String> ENV = Map.of("ANTHROPIC_KEY", "sk-ant-route-key-0000000000000000\n",
            "OPENAI_KEY", "sk-openai-route-key-000000000000", "GROQ_KEY", "gsk-route-key-0000000000000000",
            "AZURE_KEY", "azure-route-key-00000000000000000", "TOLLGATE_ADMIN_TOKEN", "admin-token-for-routing-tests");

    @TempDir
    Path dir;

    MockWebServer anthropic;
    MockWebServer openai;
    MockWebServer groq;
    MockWebServer azure;
    TestTollgate tollgate;
    OpenAIClient client;

    @BeforeEach
    void start() throws Exception {
        anthropic = new MockWebServer();
        openai = new MockWebServer();
        groq = new MockWebServer();
        azure = new MockWebServer();
        azure.start();
        anthropic.start();
        openai.start();
        groq.start();
        java.nio.file.Files.writeString(dir.resolve("prices.yaml"), "aliases:\n  prod-4o: gpt-4o\n");
        String yaml = "pricing: {file: prices.yaml}\nroutes:\n"
                + "  - {path_prefix: /azure, upstream: \"" + base(azure) + "\", provider: azure, key_env: AZURE_KEY}\n"
                + "  - {models: [\"claude-*\"], upstream: \"" + base(anthropic) + "\", provider: anthropic, key_env: ANTHROPIC_KEY}\n"
                + "  - {path_prefix: /groq, upstream: \"" + base(groq) + "/openai\", provider: groq, key_env: GROQ_KEY,"
                + " headers: {x-team: search}}\n"
                + "  - {models: [\"gpt-*\", \"o?-mini\"], upstream: \"" + base(openai) + "\", provider: openai, key_env: OPENAI_KEY}\n"
                + "  - {models: [\"google/*\"], upstream: \"" + base(groq) + "/api\", provider: openrouter,"
                + " trust_provider_cost: true}\n";
        // the single upstream of SPEC 1 is a closed port: no call may fall through to it
        tollgate = TestTollgate.start("http://127.0.0.1:9", dir, yaml, ENV);
        client = OpenAIOkHttpClient.builder().apiKey("sk-caller-key-000000000000000000").baseUrl(tollgate.base() + "/v1")
                .maxRetries(0).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        tollgate.close();
        anthropic.close();
        openai.close();
        groq.close();
        azure.close();
    }

    static String base(MockWebServer s) {
        String u = s.url("/").toString();
        return u.substring(0, u.length() - 1);
    }

    static void answer(MockWebServer s, String model, int in, int out) {
        s.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .body("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1741569952,\"model\":\"" + model
                        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + in + ",\"completion_tokens\":" + out
                        + ",\"total_tokens\":" + (in + out) + "}}").build());
    }

    ChatCompletion chat(String model) {
        return client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
                .addUserMessage("Hello!").build());
    }

    @Test
    void eachUpstreamReceivesOnlyItsModelsWithItsOwnKeyAndRecordsNameTheProvider() throws Exception {
        answer(openai, "gpt-4o-mini-2024-07-18", 19, 10);
        answer(anthropic, "claude-sonnet-4-6", 12, 9);

        assertThat(chat("gpt-4o-mini").model()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(chat("claude-sonnet-4-6").model()).isEqualTo("claude-sonnet-4-6");

        RecordedRequest toOpenAi = openai.takeRequest(5, TimeUnit.SECONDS);
        assertThat(toOpenAi.getTarget()).isEqualTo("/v1/chat/completions");
        assertThat(toOpenAi.getHeaders().get("Authorization")).isEqualTo("Bearer " + ENV.get("OPENAI_KEY"));
        assertThat(toOpenAi.getBody().utf8()).contains("\"gpt-4o-mini\"");
        RecordedRequest toAnthropic = anthropic.takeRequest(5, TimeUnit.SECONDS);
        assertThat(toAnthropic.getHeaders().get("Authorization")).isEqualTo("Bearer " + ENV.get("ANTHROPIC_KEY").strip());
        assertThat(toAnthropic.getBody().utf8()).contains("\"claude-sonnet-4-6\"");
        assertThat(openai.getRequestCount()).isEqualTo(1);
        assertThat(anthropic.getRequestCount()).isEqualTo(1);

        List<String> lines = tollgate.awaitRecords(2);
        Map<String, JsonNode> byProvider = new HashMap<>();
        for (String line : lines) {
            JsonNode r = JSON.readTree(line);
            byProvider.put(r.get("provider").asText(), r);
            // the caller's key still says who pays; no key reaches a record
            assertThat(r.get("key").asText()).startsWith("fp-");
            assertThat(line).doesNotContain("sk-").doesNotContain("gsk-");
        }
        assertThat(byProvider.get("openai").get("model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(byProvider.get("anthropic").get("input_tokens").asLong()).isEqualTo(12);
        assertThat(byProvider.get("anthropic").get("cost_usd").decimalValue()).isEqualByComparingTo("0.000171");

        // SPEC 13: metrics and reports split by provider too
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("tollgate_cost_usd_total{key=\"" + byProvider.get("anthropic").get("key").asText()
                        + "\",model=\"claude-sonnet-4-6\",provider=\"anthropic\"} 1.71E-4")
                .contains("model=\"gpt-4o-mini-2024-07-18\",provider=\"openai\",status=\"200\"} 1.0")
                .contains("tollgate_tokens_total{estimated=\"false\",key=\"" + byProvider.get("openai").get("key").asText()
                        + "\",model=\"gpt-4o-mini-2024-07-18\",provider=\"openai\",type=\"input\"} 19.0")
                .contains("tollgate_upstream_ttfb_seconds_count{endpoint=\"/v1/chat/completions\",provider=\"anthropic\",stream=\"false\"} 1");
        JsonNode admin = JSON.readTree(get("/admin/usage?days=1&by=provider").body());
        assertThat(admin.at("/groups/provider").findValuesAsText("name")).containsExactlyInAnyOrder("openai", "anthropic");
        String[] cli = UsageReportsTest.stats("stats", "--log-dir", tollgate.logDir.toString(),
                "--days", "1", "--by", "provider", "--format", "json");
        assertThat(cli[0]).isEqualTo("0");
        assertThat(JSON.readTree(cli[1]).get("groups")).isEqualTo(admin.get("groups"));
    }

    HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tollgate.base() + path))
                .header("Authorization", "Bearer " + ENV.get("TOLLGATE_ADMIN_TOKEN")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPathPrefixRouteLosesItsPrefixAndAddsItsHeaders() throws Exception {
        answer(groq, "llama-3.3-70b-versatile", 30, 5);
        HttpResponse<String> res = post("/groq/v1/chat/completions",
                "{\"model\":\"llama-3.3-70b-versatile\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(res.statusCode()).isEqualTo(200);

        RecordedRequest got = groq.takeRequest(5, TimeUnit.SECONDS);
        assertThat(got.getTarget()).isEqualTo("/openai/v1/chat/completions");
        assertThat(got.getHeaders().get("x-team")).isEqualTo("search");
        assertThat(got.getHeaders().get("Authorization")).isEqualTo("Bearer " + ENV.get("GROQ_KEY"));
        JsonNode r = JSON.readTree(tollgate.awaitRecords(1).get(0));
        assertThat(r.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(r.get("provider").asText()).isEqualTo("groq");
        assertThat(r.get("input_tokens").asLong()).isEqualTo(30);
    }

    @Test
    void aRouteThatTrustsItsProviderRecordsTheProvidersOwnCost() throws Exception {
        // an OpenRouter usage as a review log recorded it: the model is in no price table, its cost is in the usage
        groq.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .body("{\"id\":\"gen-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"google/gemma-4-26b-a4b-it\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":64266,\"completion_tokens\":1391,"
                        + "\"total_tokens\":65657,\"cost\":0.0104745,\"is_byok\":false}}").build());
        assertThat(chat("google/gemma-4-26b-a4b-it").model()).isEqualTo("google/gemma-4-26b-a4b-it");
        RecordedRequest got = groq.takeRequest(5, TimeUnit.SECONDS);
        assertThat(got.getTarget()).isEqualTo("/api/v1/chat/completions");
        // no key_env: the caller's own key goes on
        assertThat(got.getHeaders().get("Authorization")).isEqualTo("Bearer sk-caller-key-000000000000000000");
        JsonNode r = JSON.readTree(tollgate.awaitRecords(1).get(0));
        assertThat(r.get("provider").asText()).isEqualTo("openrouter");
        assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0104745");
    }

    @Test
    void azureDeploymentsAreMeteredByTheResponsesModelElseTheDeploymentsAlias() throws Exception {
        azure.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .body("{\"id\":\"chatcmpl-A\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-2024-11-20\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":10,"
                        + "\"total_tokens\":30}}").build());
        azure.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .body("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1]}],"
                        + "\"usage\":{\"prompt_tokens\":8,\"total_tokens\":8}}").build());
        String chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        assertThat(azurePost("/azure/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21", chat)
                .statusCode()).isEqualTo(200);
        assertThat(azurePost("/azure/openai/deployments/prod-4o/embeddings?api-version=2024-10-21",
                "{\"input\":\"hello\"}").statusCode()).isEqualTo(200);

        RecordedRequest got = azure.takeRequest(5, TimeUnit.SECONDS);
        assertThat(got.getTarget()).isEqualTo("/openai/deployments/prod-4o/chat/completions?api-version=2024-10-21");
        assertThat(got.getHeaders().get("api-key")).isEqualTo(ENV.get("AZURE_KEY"));
        assertThat(got.getHeaders().get("Authorization")).isNull();
        List<String> lines = tollgate.awaitRecords(2);
        JsonNode byResponse = JSON.readTree(lines.get(0));
        JsonNode byAlias = JSON.readTree(lines.get(1));
        if (byResponse.get("endpoint").asText().equals("/v1/embeddings")) {
            JsonNode t = byResponse;
            byResponse = byAlias;
            byAlias = t;
        }
        assertThat(byResponse.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(byResponse.get("provider").asText()).isEqualTo("azure");
        assertThat(byResponse.get("model").asText()).isEqualTo("gpt-4o-2024-11-20");
        assertThat(byResponse.get("priced_as").asText()).isEqualTo("gpt-4o");
        assertThat(byResponse.get("input_tokens").asLong()).isEqualTo(20);
        // the embeddings answer names no model: the deployment, through pricing.aliases, is priced as gpt-4o
        assertThat(byAlias.get("endpoint").asText()).isEqualTo("/v1/embeddings");
        assertThat(byAlias.get("model").asText()).isEqualTo("prod-4o");
        assertThat(byAlias.get("priced_as").asText()).isEqualTo("gpt-4o");
        assertThat(byAlias.get("cost_usd").isNull()).isFalse();
    }

    HttpResponse<String> azurePost(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tollgate.base() + path))
                .header("api-key", "sk-caller-key-000000000000000000")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aModelNoRouteTakesIsA404NamingItAndGoesNowhere() throws Exception {
        HttpResponse<String> res = post("/v1/chat/completions",
                "{\"model\":\"gemini-2.5-pro\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(res.statusCode()).isEqualTo(404);
        JsonNode error = JSON.readTree(res.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("no_route");
        assertThat(error.get("message").asText()).contains("'gemini-2.5-pro'");
        assertThat(openai.getRequestCount() + anthropic.getRequestCount() + groq.getRequestCount()
                + azure.getRequestCount()).isZero();
        // the connection goes on: the next call on it is routed
        answer(openai, "o4-mini-2025-04-16", 3, 4);
        assertThat(chat("o4-mini").model()).isEqualTo("o4-mini-2025-04-16");
    }

    @Test
    void aBodyNamingTwoModelsIsRefusedBeforeAnyRouteSendsIt() throws Exception {
        // the route reads the first model (OpenAI's, its key); the upstream and the meter would read the last
        HttpResponse<String> res = post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Hi\",\"model\":\"nested-is-fine\"}],\"model\":\"claude-sonnet-4-6\"}");

        assertThat(res.statusCode()).isEqualTo(400);
        assertThat(res.headers().firstValue("x-should-retry")).hasValue("false");
        JsonNode error = JSON.readTree(res.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("conflicting_model");
        assertThat(error.get("message").asText()).contains("'gpt-4o-mini'", "'claude-sonnet-4-6'");
        assertThat(openai.getRequestCount() + anthropic.getRequestCount()).isZero();
        JsonNode rec = JSON.readTree(tollgate.awaitRecords(1).get(0));
        assertThat(rec.get("error").asText()).isEqualTo("conflicting_model");
        assertThat(rec.get("status").asInt()).isEqualTo(400);
        // the same model twice is one model
        answer(openai, "gpt-4o-mini-2024-07-18", 3, 4);
        assertThat(post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[],\"model\":\"gpt-4o-mini\"}")
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aRouteWhoseUpstreamIsDownFailsOnlyItsOwnModels() throws Exception {
        anthropic.close();
        answer(openai, "gpt-4o-mini-2024-07-18", 19, 10);

        HttpResponse<String> down = post("/v1/chat/completions",
                "{\"model\":\"claude-haiku-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(down.statusCode()).isEqualTo(502);
        assertThat(JSON.readTree(down.body()).get("error").get("code").asText()).isEqualTo("upstream_unavailable");
        assertThat(chat("gpt-4o-mini").model()).isEqualTo("gpt-4o-mini-2024-07-18");
        // one upstream down is not tollgate down: still ready, and the failed connection is counted by its provider
        HttpResponse<String> ready = get("/readyz");
        assertThat(ready.statusCode()).isEqualTo(200);
        tollgate.awaitRecords(2);
        assertThat(get("/metrics").body()).contains("tollgate_upstream_connect_errors_total{provider=\"anthropic\"} 1.0")
                .doesNotContain("tollgate_upstream_connect_errors_total{provider=\"openai\"}")
                .contains("model=\"claude-haiku-4-5\",provider=\"anthropic\",status=\"502\"} 1.0")
                .contains("tollgate_upstream_ttfb_seconds_count{endpoint=\"/v1/chat/completions\",provider=\"openai\",stream=\"false\"} 1");
    }

    @Test
    void aReloadAppliesChangedRoutesWhileACallOnAReplacedRouteFinishes() throws Exception {
        // a call in flight on the anthropic route: its answer's body comes 3 s after its head
        anthropic.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .bodyDelay(3, TimeUnit.SECONDS).body("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
                        + "\"created\":1,\"model\":\"claude-haiku-4-5\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
                        + "\"completion_tokens\":3,\"total_tokens\":10}}").build());
        java.util.concurrent.CompletableFuture<HttpResponse<String>> inFlight = HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer sk-caller-key-000000000000000000")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-haiku-4-5\",\"messages\":[]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anthropic.takeRequest(5, TimeUnit.SECONDS)).isNotNull();

        // claude-* now goes to another upstream, and gemini-* (no route before) to a new one
        java.nio.file.Files.writeString(tollgate.configFile, "pricing: {file: prices.yaml}\nroutes:\n"
                + "  - {models: [\"claude-*\"], upstream: \"" + base(openai) + "\", provider: anthropic-next, key_env: ANTHROPIC_KEY}\n"
                + "  - {models: [\"gemini-*\"], upstream: \"" + base(groq) + "/v1beta/openai\", provider: gemini, key_env: GROQ_KEY}\n");
        assertThat(tollgate.app.reload()).isEmpty();
        assertThat(inFlight).isNotDone();

        answer(openai, "claude-haiku-4-5", 5, 6);
        answer(groq, "gemini-2.5-pro", 8, 9);
        assertThat(chat("claude-haiku-4-5").model()).isEqualTo("claude-haiku-4-5");
        assertThat(chat("gemini-2.5-pro").model()).isEqualTo("gemini-2.5-pro");
        assertThat(openai.takeRequest(5, TimeUnit.SECONDS).getHeaders().get("Authorization"))
                .isEqualTo("Bearer " + ENV.get("ANTHROPIC_KEY").strip());
        assertThat(groq.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1beta/openai/v1/chat/completions");
        assertThat(anthropic.getRequestCount()).isEqualTo(1);
        // a model only a removed route took is now a 404
        assertThat(post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}").statusCode()).isEqualTo(404);

        // the call that started on the replaced route was not cut: it finishes and is recorded as it went
        HttpResponse<String> finished = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(finished.statusCode()).isEqualTo(200);
        assertThat(finished.body()).contains("\"completion_tokens\":3");
        Map<Long, String> providerByOutput = new HashMap<>();
        for (String line : tollgate.awaitRecords(3)) {
            JsonNode r = JSON.readTree(line);
            providerByOutput.put(r.get("output_tokens").asLong(), r.get("provider").asText());
        }
        assertThat(providerByOutput).containsExactlyInAnyOrderEntriesOf(
                Map.of(3L, "anthropic", 6L, "anthropic-next", 9L, "gemini"));
    }

    @Test
    void aRouteWhoseKeyEnvIsUnsetRefusesToStartAndSaysWhich() throws Exception {
        ConfigLoader loader = new ConfigLoader(Map.of());
        Path file = dir.resolve("routes.json");
        java.nio.file.Files.writeString(file, "{\"routes\":[{\"models\":[\"claude-*\"],\"upstream\":\"https://api.anthropic.com\","
                + "\"provider\":\"anthropic\",\"key_env\":\"ANTHROPIC_API_KEY\"},"
                + "{\"path_prefix\":\"/azure\",\"models\":[\"x\"],\"upstream\":\"https://a.example\",\"provider\":\"azure\"}]}");
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> loader.load(file, CliOverrides.NONE));
        assertThat(e.errors()).containsExactly(
                "routes[0].key_env: environment variable ANTHROPIC_API_KEY is not set (expected: this route's upstream key in it)",
                "routes[1].models, path_prefix: both given (expected: one of them)");
    }

    HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tollgate.base() + path))
                .header("Authorization", "Bearer sk-caller-key-000000000000000000")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

package tollgate.proxy.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.AnthropicServiceException;
import com.anthropic.errors.ContentTooLargeException;
import com.anthropic.errors.InternalServerException;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.ErrorType;
import com.anthropic.errors.RateLimitException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageTokensCount;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.batches.MessageBatchIndividualResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;

/**
 * The official anthropic-java SDK, pointed at tollgate as {@code ANTHROPIC_BASE_URL} would point it, talks to a
 * recorded Anthropic upstream through it (SPEC 13): plain, streamed, prompt caching, tool use; every record exact;
 * tollgate's own errors in Anthropic's shape.
 */
class AnthropicSdkTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CALLER_KEY = "sk-ant-test-caller-key-000000000000";
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;

    MockWebServer upstream;
    TestTollgate tollgate;
    AnthropicClient client;

    /** {@code {upstream}} in {@code yaml} stands for the recorded upstream's base URL (a route's upstream). */
    void start(String yaml, Map<String, String> env) throws Exception {
        upstream = new MockWebServer();
        upstream.start();
        String base = upstream.url("/").toString();
        tollgate = TestTollgate.start(base, dir, yaml.replace("{upstream}", base.substring(0, base.length() - 1)), env);
        client = AnthropicOkHttpClient.builder().apiKey(CALLER_KEY).baseUrl(tollgate.base()).maxRetries(0).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (tollgate != null) {
            tollgate.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    /** A recorded stream of metering's fixtures (metering/src/test/resources/fixtures/README.md says whence). */
    static String fixture(String name) throws IOException {
        return new String(resourceBytes("metering/src/test/resources/fixtures/" + name), StandardCharsets.UTF_8);
    }

    /** A file of the source tree, by its path from the repository's root (tests run in a module's directory). */
    static byte[] resourceBytes(String path) throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path f = d.resolve(path);
            if (Files.exists(f)) {
                return Files.readAllBytes(f);
            }
        }
        throw new IOException("not found: " + path);
    }

    static String message(String model, String usage) {
        // the shape of Anthropic's API reference "Create a Message" example answer
        return "{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"" + model
                + "\",\"content\":[{\"type\":\"text\",\"text\":\"Hi! My name is Claude.\"}],\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null,\"usage\":" + usage + "}";
    }

    void answerJson(String body) {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .addHeader("request-id", "req_018EeWyXxfu5pfWkrYcMdjWG").body(body).build());
    }

    void answerStream(String body) {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream; charset=utf-8")
                .body(body).build());
    }

    static MessageCreateParams params(String model) {
        return MessageCreateParams.builder().model(model).maxTokens(1024).addUserMessage("Hello, Claude").build();
    }

    List<JsonNode> records(int n) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : tollgate.awaitRecords(n)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    @Test
    void aPlainMessageIsForwardedWithItsHeadersAndRecordedExactly() throws Exception {
        start("{}", Map.of());
        answerJson(message("claude-sonnet-4-6", "{\"input_tokens\":12,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":9,\"service_tier\":\"standard\"}"));

        Message m = client.messages().create(params("claude-sonnet-4-6"));

        assertThat(m.content().get(0).asText().text()).isEqualTo("Hi! My name is Claude.");
        assertThat(m.usage().inputTokens()).isEqualTo(12);
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getTarget()).isEqualTo("/v1/messages");
        // the SDK's credential and API version reach Anthropic as it sent them (3.16.0 sends the key as a Bearer)
        assertThat(rec.getHeaders().get("Authorization")).isEqualTo("Bearer " + CALLER_KEY);
        assertThat(rec.getHeaders().get("anthropic-version")).isNotBlank();
        // curl, Claude Code and older SDKs send x-api-key: forwarded as it is, and it names the payer the same way
        answerJson(message("claude-sonnet-4-6", "{\"input_tokens\":12,\"output_tokens\":9}"));
        assertThat(post("/v1/messages", "{\"model\":\"claude-sonnet-4-6\",\"max_tokens\":64,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}").statusCode()).isEqualTo(200);
        RecordedRequest raw = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(raw.getHeaders().get("x-api-key")).isEqualTo(CALLER_KEY);
        assertThat(raw.getHeaders().get("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(raw.getHeaders().get("Authorization")).isNull();
        List<JsonNode> both = records(2);
        assertThat(both.get(1).get("key").asText()).isEqualTo(both.get(0).get("key").asText());
        JsonNode r = both.get(0);
        assertThat(r.get("endpoint").asText()).isEqualTo("/v1/messages");
        assertThat(r.get("key").asText()).startsWith("fp-");
        assertThat(r.get("model").asText()).isEqualTo("claude-sonnet-4-6");
        assertThat(r.get("input_tokens").asLong()).isEqualTo(12);
        assertThat(r.get("output_tokens").asLong()).isEqualTo(9);
        assertThat(r.get("estimated").asBoolean()).isFalse();
        assertThat(r.get("error").isNull()).isTrue();
        assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000171"); // 12×3 + 9×15, per 1M
        assertThat(tollgate.awaitRecords(1).get(0)).doesNotContain(CALLER_KEY);
    }

    @Test
    void aStreamedToolUseIsRelayedEventByEventAndRecordedExactly() throws Exception {
        start("{}", Map.of());
        answerStream(fixture("messages_stream_claude-sonnet-4_tool_use.sse"));

        List<RawMessageStreamEvent> events;
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("claude-sonnet-4-20250514"))) {
            events = s.stream().collect(Collectors.toList());
        }
        String json = events.stream().flatMap(e -> e.contentBlockDelta().stream())
                .flatMap(d -> d.delta().inputJson().stream()).map(j -> j.partialJson()).collect(Collectors.joining());
        assertThat(json).isEqualTo("{\"location\": \"Paris\"}");
        assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();

        JsonNode r = records(1).get(0);
        assertThat(r.get("stream").asBoolean()).isTrue();
        assertThat(r.get("model").asText()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(r.get("priced_as").asText()).isEqualTo("claude-sonnet-4");
        assertThat(r.get("input_tokens").asLong()).isEqualTo(377);
        assertThat(r.get("output_tokens").asLong()).isEqualTo(65);
        assertThat(r.get("estimated").asBoolean()).isFalse();
        assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo("0.002106"); // 377×3 + 65×15, per 1M
    }

    @Test
    void aCacheWriteThenACacheReadArePricedAtTheirOwnRates() throws Exception {
        start("{}", Map.of());
        // the two usages of Anthropic's prompt caching docs example (claude-opus-4-1, "Pride and Prejudice")
        answerJson(message("claude-opus-4-1-20250805", "{\"cache_creation_input_tokens\":188086,"
                + "\"cache_read_input_tokens\":0,\"input_tokens\":21,\"output_tokens\":393}"));
        answerJson(message("claude-opus-4-1-20250805", "{\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":188086,\"input_tokens\":21,\"output_tokens\":393}"));

        Message write = client.messages().create(params("claude-opus-4-1"));
        Message read = client.messages().create(params("claude-opus-4-1"));
        assertThat(write.usage().cacheCreationInputTokens()).hasValue(188086L);
        assertThat(read.usage().cacheReadInputTokens()).hasValue(188086L);

        List<JsonNode> r = records(2);
        assertThat(r.get(0).get("input_tokens").asLong()).isEqualTo(188107);
        assertThat(r.get(0).get("cache_write_tokens").asLong()).isEqualTo(188086);
        assertThat(r.get(0).get("cache_write_1h_tokens").asLong()).isZero();
        assertThat(r.get(0).get("cost_usd").decimalValue()).isEqualByComparingTo("3.5564025");
        assertThat(r.get(1).get("cached_input_tokens").asLong()).isEqualTo(188086);
        assertThat(r.get(1).get("cost_usd").decimalValue()).isEqualByComparingTo("0.311919");
    }

    @Test
    void aStreamWithOneHourCacheWritesIsPricedAtTheOneHourRate() throws Exception {
        start("{}", Map.of());
        answerStream(fixture("messages_stream_claude-sonnet-4-6_cache_1h.sse"));
        try (StreamResponse<RawMessageStreamEvent> s = client.messages().createStreaming(params("claude-sonnet-4-6"))) {
            List<RawMessageStreamEvent> events = s.stream().collect(Collectors.toList());
            assertThat(events.get(events.size() - 1).isMessageStop()).isTrue();
        }
        JsonNode r = records(1).get(0);
        assertThat(r.get("input_tokens").asLong()).isEqualTo(28073);
        assertThat(r.get("cache_write_tokens").asLong()).isEqualTo(15866);
        // the split is kept: every write of this capture was a 1-hour one (cache_creation.ephemeral_1h_input_tokens)
        assertThat(r.get("cache_write_1h_tokens").asLong()).isEqualTo(15866);
        assertThat(r.get("output_tokens").asLong()).isEqualTo(157);
        assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo("0.134172");
    }

    /**
     * A Message Batch's results fetched with the SDK through tollgate ({@code GET /v1/messages/batches/{id}/results},
     * answered chunked in pieces that cut lines): one record per succeeded result at the batch prices (half of
     * claude-sonnet-4's), tagged with its {@code custom_id}; the errored one bills nothing; fetched again, nothing
     * more is billed. Results: the two lines of Anthropic's API reference example, with a model of the table's.
     */
    @Test
    void aMessageBatchsResultsAreRecordedAtBatchPricesOnceEvenWhenFetchedTwice() throws Exception {
        start("{}", Map.of());
        String results = fixture("batch_results_anthropic_docs.jsonl")
                .replace("claude-3-5-sonnet-20240620", "claude-sonnet-4-20250514")
                + "{\"custom_id\":\"my-third-request\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
                + "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}}}\n";
        for (int i = 0; i < 2; i++) {
            upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/x-jsonl")
                    .chunkedBody(results, 97).build());
        }

        List<String> ids;
        try (StreamResponse<MessageBatchIndividualResponse> s =
                     client.messages().batches().resultsStreaming("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d")) {
            ids = s.stream().map(MessageBatchIndividualResponse::customId).collect(Collectors.toList());
        }
        assertThat(ids).containsExactly("my-second-request", "my-first-request", "my-third-request");
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getTarget())
                .isEqualTo("/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d/results");

        List<JsonNode> r = records(2);
        assertThat(r).extracting(n -> n.get("tags").get("batch_custom_id").asText())
                .containsExactly("my-second-request", "my-first-request");
        assertThat(r).extracting(n -> n.get("request_id").asText())
                .containsExactly("msg_014VwiXbi91y3JMjcpyGBHX5", "msg_01FqfsLoHwgeFbguDgpz48m7");
        for (JsonNode n : r) {
            assertThat(n.get("endpoint").asText()).isEqualTo("/v1/messages");
            assertThat(n.get("batch").asBoolean()).isTrue();
            assertThat(n.get("service_tier").asText()).isEqualTo("batch");
            assertThat(n.get("priced_as").asText()).isEqualTo("claude-sonnet-4");
            assertThat(n.get("estimated").asBoolean()).isFalse();
        }
        assertThat(r.get(0).get("input_tokens").asLong()).isEqualTo(11);
        assertThat(r.get(0).get("output_tokens").asLong()).isEqualTo(36);
        assertThat(r.get(0).get("cost_usd").decimalValue()).isEqualByComparingTo("0.0002865"); // 11×1.5 + 36×7.5 per 1M
        assertThat(r.get(1).get("cost_usd").decimalValue()).isEqualByComparingTo("0.000270"); // 10×1.5 + 34×7.5

        // fetched again: forwarded whole, billed nothing; the next record is the next call's
        try (StreamResponse<MessageBatchIndividualResponse> s =
                     client.messages().batches().resultsStreaming("msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d")) {
            assertThat(s.stream().count()).isEqualTo(3);
        }
        answerJson(message("claude-sonnet-4-6", "{\"input_tokens\":12,\"output_tokens\":9}"));
        client.messages().create(params("claude-sonnet-4-6"));
        List<JsonNode> all = records(3);
        assertThat(all.get(2).get("batch").asBoolean()).isFalse();
        assertThat(all.get(2).get("model").asText()).isEqualTo("claude-sonnet-4-6");
        assertThat(tollgate.awaitRecords(3)).hasSize(3);
    }

    /**
     * Anthropic's Python and TypeScript SDKs fetch a batch's results from its absolute {@code results_url}: read
     * through tollgate, that URL names tollgate (the client's own Host), so the fetch passes through it and is metered.
     * With model routes, the batch calls (which name no model) go to the anthropic route, not the catch-all. The
     * read's answer: the shape of Anthropic's "Retrieve a Message Batch" example.
     */
    @Test
    void aBatchsResultsUrlNamesTollgateSoAnSdkThatFollowsItIsMetered() throws Exception {
        start("routes:\n  - {models: [\"claude-*\"], upstream: \"{upstream}\", provider: anthropic}\n"
                + "  - {models: [\"*\"], upstream: \"http://127.0.0.1:9\", provider: openai}\n", Map.of());
        String id = "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF";
        String upstreamBase = upstream.url("/").toString().replaceAll("/$", "");
        answerJson("{\"id\":\"" + id + "\",\"type\":\"message_batch\",\"processing_status\":\"ended\","
                + "\"request_counts\":{\"processing\":0,\"succeeded\":2,\"errored\":0,\"canceled\":0,\"expired\":0},"
                + "\"ended_at\":\"2024-08-20T18:37:24.100435Z\",\"created_at\":\"2024-08-20T18:37:24.100435Z\","
                + "\"expires_at\":\"2024-08-21T18:37:24.100435Z\",\"archived_at\":null,\"cancel_initiated_at\":null,"
                + "\"results_url\":\"" + upstreamBase + "/v1/messages/batches/" + id + "/results\"}");

        com.anthropic.models.messages.batches.MessageBatch batch = client.messages().batches().retrieve(id);

        String resultsUrl = tollgate.base() + "/v1/messages/batches/" + id + "/results";
        assertThat(batch.resultsUrl()).hasValue(resultsUrl);
        RecordedRequest read = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(read.getTarget()).isEqualTo("/v1/messages/batches/" + id);
        // asked uncompressed: a compressed answer could not be edited as it passes
        assertThat(read.getHeaders().get("Accept-Encoding")).isEqualTo("identity");

        // what the Python SDK does next: GET the absolute URL with its key
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/x-jsonl")
                .body(fixture("batch_results_anthropic_docs.jsonl").replace("claude-3-5-sonnet-20240620",
                        "claude-sonnet-4-20250514")).build());
        HttpResponse<String> results = HTTP.send(HttpRequest.newBuilder(URI.create(batch.resultsUrl().orElseThrow()))
                .header("x-api-key", CALLER_KEY).header("anthropic-version", "2023-06-01").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(results.statusCode()).isEqualTo(200);
        assertThat(results.body().lines()).hasSize(2);
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getTarget()).isEqualTo("/v1/messages/batches/" + id
                + "/results");
        List<JsonNode> r = records(2);
        assertThat(r).extracting(n -> n.get("provider").asText()).containsExactly("anthropic", "anthropic");
        assertThat(r).extracting(n -> n.get("cost_usd").decimalValue().toPlainString())
                .containsExactly("0.0002865", "0.00027");
        assertThat(tollgate.awaitRecords(2).toString()).doesNotContain(CALLER_KEY);
    }

    @Test
    void aVirtualKeyIsSentAsXApiKeyAndTheCallerStillPays() throws Exception {
        start("keys:\n  - name: coder\n    key_env: CODER_KEY\n    upstream_key_env: REAL_ANTHROPIC_KEY\n",
                Map.of("CODER_KEY", CALLER_KEY, "REAL_ANTHROPIC_KEY", "sk-ant-real-upstream-key-1111111111"));
        answerJson(message("claude-haiku-4-5", "{\"input_tokens\":5,\"output_tokens\":2}"));
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .body("{\"input_tokens\":14}").build());

        client.messages().create(params("claude-haiku-4-5"));
        answerJson(message("claude-haiku-4-5", "{\"input_tokens\":5,\"output_tokens\":2}"));
        MessageTokensCount count = client.messages().countTokens(MessageCountTokensParams.builder()
                .model("claude-haiku-4-5").addUserMessage("Hello, Claude").build());
        assertThat(count.inputTokens()).isEqualTo(14);
        client.messages().create(params("claude-haiku-4-5"));

        RecordedRequest create = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(create.getHeaders().get("x-api-key")).isEqualTo("sk-ant-real-upstream-key-1111111111");
        assertThat(create.getHeaders().get("Authorization")).isNull();
        RecordedRequest counted = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(counted.getTarget()).isEqualTo("/v1/messages/count_tokens");
        assertThat(counted.getHeaders().get("x-api-key")).isEqualTo("sk-ant-real-upstream-key-1111111111");
        // token counting is free and not metered: the records are the two messages', paid by the caller's key
        List<JsonNode> r = records(2);
        assertThat(r).hasSize(2);
        assertThat(r).allSatisfy(line -> {
            assertThat(line.get("key").asText()).isEqualTo("coder");
            assertThat(line.get("endpoint").asText()).isEqualTo("/v1/messages");
        });
    }

    @Test
    void aBudgetRefusalIsAnAnthropicRateLimitErrorThatSaysNotToRetry() throws Exception {
        start("keys:\n  - name: coder\n    key_env: CODER_KEY\n    budgets:\n      - {window: daily, usd: 0.000001}\n",
                Map.of("CODER_KEY", CALLER_KEY));

        assertThatThrownBy(() -> client.messages().create(params("claude-opus-4-1")))
                .isInstanceOfSatisfying(RateLimitException.class, e -> {
                    assertThat(e.errorType()).hasValue(ErrorType.RATE_LIMIT_ERROR);
                    assertThat(e.apiMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("budget_exceeded: "));
                });
        assertThat(upstream.getRequestCount()).isZero();

        HttpResponse<String> raw = post("/v1/messages", "{\"model\":\"claude-opus-4-1\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(raw.statusCode()).isEqualTo(429);
        assertThat(raw.headers().firstValue("x-should-retry")).hasValue("false");
        JsonNode body = JSON.readTree(raw.body());
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.get("error").get("type").asText()).isEqualTo("rate_limit_error");
        assertThat(body.get("error").get("message").asText()).startsWith("budget_exceeded: ").contains("coder");
        assertThat(body.has("code")).isFalse();
    }

    @Test
    void aRoutedCallReservesAndIsBilledAtItsProvidersOwnPrice() throws Exception {
        // SPEC 13: provider/model first, then model; a route's budget hold must use the price its bill will use
        Files.writeString(dir.resolve("prices.yaml"), "models:\n  claude-x: {input: 1, output: 1}\n"
                + "  anthropic/claude-x: {input: 1000, output: 1000}\n");
        start("pricing: {file: prices.yaml}\nbudgets: {mode: reserve}\n"
                + "routes:\n  - {models: [\"claude-*\"], upstream: \"{upstream}\", provider: anthropic}\n"
                + "keys:\n  - name: coder\n    key_env: CODER_KEY\n    budgets:\n      - {window: daily, usd: 0.5}\n",
                Map.of("CODER_KEY", CALLER_KEY));

        // answered if it went through: a hold priced at claude-x's $1/M would let the first call go
        answerJson(message("claude-x", "{\"input_tokens\":10,\"output_tokens\":20}"));
        // max_tokens 1024 at $1000/M holds over $1: refused (at claude-x's $1/M it would hold $0.001 and go)
        assertThatThrownBy(() -> client.messages().create(params("claude-x")))
                .isInstanceOf(RateLimitException.class);
        assertThat(upstream.getRequestCount()).isZero();
        // max_tokens 100 holds about $0.11: it goes, and is billed at the same provider's price
        client.messages().create(MessageCreateParams.builder().model("claude-x").maxTokens(100)
                .addUserMessage("Hello, Claude").build());

        List<JsonNode> r = records(2);
        JsonNode refused = r.get(0).get("error").asText().equals("budget_exceeded") ? r.get(0) : r.get(1);
        JsonNode billed = refused == r.get(0) ? r.get(1) : r.get(0);
        assertThat(refused.get("provider").asText()).isEqualTo("anthropic");
        assertThat(billed.get("provider").asText()).isEqualTo("anthropic");
        assertThat(billed.get("priced_as").asText()).isEqualTo("anthropic/claude-x");
        assertThat(billed.get("cost_usd").decimalValue()).isEqualByComparingTo("0.03");
    }

    @Test
    void anUnknownKeyIsAnAnthropicAuthenticationError() throws Exception {
        start("keys_required: true\nkeys:\n  - name: coder\n    key_env: CODER_KEY\n",
                Map.of("CODER_KEY", "sk-ant-some-other-key-22222222222"));
        assertThatThrownBy(() -> client.messages().create(params("claude-haiku-4-5")))
                .isInstanceOfSatisfying(UnauthorizedException.class, e -> {
                    assertThat(e.errorType()).hasValue(ErrorType.AUTHENTICATION_ERROR);
                    assertThat(e.apiMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("invalid_api_key: "));
                });
        HttpResponse<String> raw = post("/v1/messages", "{}");
        assertThat(JSON.readTree(raw.body()).get("error").get("type").asText()).isEqualTo("authentication_error");
        assertThat(raw.body()).doesNotContain(CALLER_KEY);
    }

    @Test
    void anUpstreamThatIsDownIsAnAnthropicApiError() throws Exception {
        start("{}", Map.of());
        upstream.close();
        upstream = null;

        assertThatThrownBy(() -> client.messages().create(params("claude-haiku-4-5")))
                .isInstanceOfSatisfying(InternalServerException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(502);
                    assertThat(e.errorType()).hasValue(ErrorType.API_ERROR);
                    assertThat(e.apiMessage()).hasValueSatisfying(m -> assertThat(m).startsWith("upstream_unavailable: "));
                });
        HttpResponse<String> raw = post("/v1/messages", "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":1}");
        JsonNode error = JSON.readTree(raw.body());
        assertThat(error.get("type").asText()).isEqualTo("error");
        assertThat(error.get("error").get("type").asText()).isEqualTo("api_error");
        assertThat(error.get("error").get("message").asText()).startsWith("upstream_unavailable: ");
        // an OpenAI path keeps OpenAI's shape
        HttpResponse<String> openai = post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(JSON.readTree(openai.body()).get("error").get("code").asText()).isEqualTo("upstream_unavailable");
    }

    @Test
    void aTooLargeBodyAndAModelNoRouteTakesAreAnthropicErrorsItsSdkRenders() throws Exception {
        start("limits: {max_request_bytes: 2048}\n"
                + "routes:\n  - {models: [\"gpt-*\"], upstream: \"{upstream}\", provider: openai}\n", Map.of());

        MessageCreateParams large = MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(16)
                .addUserMessage("x".repeat(4096)).build();
        assertThatThrownBy(() -> client.messages().create(large))
                .isInstanceOfSatisfying(ContentTooLargeException.class, e -> {
                    assertThat(e.errorType()).hasValue(ErrorType.of("request_too_large"));
                    assertThat(e.apiMessage()).hasValueSatisfying(m -> assertThat(m)
                            .startsWith("request_too_large: ").contains("limits.max_request_bytes"));
                });
        assertThatThrownBy(() -> client.messages().create(params("claude-haiku-4-5")))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.errorType()).hasValue(ErrorType.NOT_FOUND_ERROR);
                    assertThat(e.apiMessage()).hasValueSatisfying(m -> assertThat(m)
                            .startsWith("no_route: ").contains("'claude-haiku-4-5'"));
                    assertThat(e.headers().values("x-should-retry")).containsExactly("false");
                });
        assertThat(upstream.getRequestCount()).isZero();
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(tollgate.base() + path))
                .header("x-api-key", CALLER_KEY).header("anthropic-version", "2023-06-01")
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

package tollgate.metering.estimate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.api.EncodingType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;

class TokenEstimatorTest {
    private static final TokenEstimator ESTIMATOR = new TokenEstimator(r -> {
        throw new AssertionError("small prompts are counted inline");
    });
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The six messages of OpenAI's cookbook "How to count tokens with tiktoken", section 6
     * (openai/openai-cookbook, examples/How_to_count_tokens_with_tiktoken.ipynb, commit c81359cd):
     * the API counted 129 prompt tokens for gpt-3.5-turbo, gpt-4-0613 and gpt-4, 124 for gpt-4o and gpt-4o-mini.
     */
    private static final String COOKBOOK_MESSAGES = """
            [{"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
             {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
             {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
             {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
             {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
             {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}]
            """;

    /** Same notebook, section 7: with this tool the API counted 105 prompt tokens for gpt-3.5-turbo and gpt-4, 101 for gpt-4o and gpt-4o-mini. */
    private static final String COOKBOOK_TOOLS_BODY = """
            {"messages": [{"role": "system", "content": "You are a helpful assistant that can answer to questions about the weather."},
                          {"role": "user", "content": "What's the weather like in San Francisco?"}],
             "tools": [{"type": "function", "function": {
                 "name": "get_current_weather",
                 "description": "Get the current weather in a given location",
                 "parameters": {"type": "object",
                                "properties": {"location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                                               "unit": {"type": "string", "description": "The unit of temperature to return", "enum": ["celsius", "fahrenheit"]}},
                                "required": ["location"]}}}]}
            """;

    @Test
    void cookbookMessagesCountAsTheApiDidForCl100kModels() throws IOException {
        for (String model : List.of("gpt-4-0613", "gpt-4", "gpt-3.5-turbo")) {
            assertThat(ESTIMATOR.promptTokens(model, Endpoint.CHAT_COMPLETIONS, chat(model, COOKBOOK_MESSAGES)))
                    .as(model).isEqualTo(129);
        }
    }

    @Test
    void cookbookMessagesCountAsTheApiDidForO200kModels() throws IOException {
        for (String model : List.of("gpt-4o", "gpt-4o-mini")) {
            assertThat(ESTIMATOR.promptTokens(model, Endpoint.CHAT_COMPLETIONS, chat(model, COOKBOOK_MESSAGES)))
                    .as(model).isEqualTo(124);
        }
    }

    @Test
    void cookbookToolDefinitionsCountAsTheApiDid() throws IOException {
        JsonNode body = JSON.readTree(COOKBOOK_TOOLS_BODY);
        assertThat(ESTIMATOR.promptTokens("gpt-4o", Endpoint.CHAT_COMPLETIONS, body)).isEqualTo(101);
        assertThat(ESTIMATOR.promptTokens("gpt-4o-mini", Endpoint.CHAT_COMPLETIONS, body)).isEqualTo(101);
        assertThat(ESTIMATOR.promptTokens("gpt-4", Endpoint.CHAT_COMPLETIONS, body)).isEqualTo(105);
        assertThat(ESTIMATOR.promptTokens("gpt-3.5-turbo", Endpoint.CHAT_COMPLETIONS, body)).isEqualTo(105);
    }

    @Test
    void modelIsTakenFromTheBodyWhenNotGiven() throws IOException {
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, chat("gpt-4", COOKBOOK_MESSAGES))).isEqualTo(129);
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, chat("gpt-4o", COOKBOOK_MESSAGES))).isEqualTo(124);
    }

    @Test
    void recordedGpt4oStreamMatchesTheApiUsageForPromptAndStreamedText() throws IOException {
        JsonNode request = JSON.readTree(resource("gpt-4o-2024-08-06-capital-of-mexico.request.json"));
        List<String> deltas = new ArrayList<>();
        JsonNode usage = null;
        for (String line : resource("gpt-4o-2024-08-06-capital-of-mexico.sse").split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            JsonNode chunk = JSON.readTree(line.substring("data: ".length()));
            for (JsonNode choice : chunk.path("choices")) {
                if (choice.path("delta").path("content").isTextual()) {
                    deltas.add(choice.path("delta").path("content").asText());
                }
            }
            if (chunk.path("usage").isObject()) {
                usage = chunk.get("usage");
            }
        }
        assertThat(usage).isNotNull();
        StreamedTextCounter counter = ESTIMATOR.streamCounter("gpt-4o-2024-08-06");
        deltas.forEach(counter::append);

        assertThat(ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, request)).isEqualTo(usage.get("prompt_tokens").asLong());
        assertThat(counter.tokens()).isEqualTo(usage.get("completion_tokens").asLong());
        assertThat(ESTIMATOR.countText("gpt-4o-2024-08-06", String.join("", deltas))).isEqualTo(8);
    }

    @Test
    void recordedGpt4oMiniAnswerMatchesTheApiUsage() throws IOException {
        // pydantic/pydantic-ai tests/models/cassettes/test_openai/test_max_completion_tokens[gpt-4o-mini].yaml:
        // request "hello", answer below, usage prompt_tokens 8, completion_tokens 9.
        JsonNode request = JSON.readTree("{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":100,\"messages\":[{\"content\":\"hello\",\"role\":\"user\"}]}");
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, request)).isEqualTo(8);
        assertThat(ESTIMATOR.countText("gpt-4o-mini-2024-07-18", "Hello! How can I assist you today?")).isEqualTo(9);
    }

    @Test
    void encodingFollowsTheModelFamily() {
        for (String m : List.of("gpt-4o", "gpt-4o-mini-2024-07-18", "chatgpt-4o-latest", "gpt-4.1-nano", "gpt-4.5-preview",
                "gpt-5", "gpt-5.4-pro", "o1", "o3-mini", "o4-mini-deep-research", "ft:gpt-4o-mini-2024-07-18:acme::x1",
                "claude-sonnet-4-5", "some-unknown-model")) {
            assertThat(ESTIMATOR.encodingFor(m)).as(m).isEqualTo(EncodingType.O200K_BASE);
        }
        for (String m : List.of("gpt-4", "gpt-4-0613", "gpt-4-turbo-2024-04-09", "gpt-4-32k", "gpt-3.5-turbo-0125", "gpt-35-turbo",
                "ft:gpt-3.5-turbo-0125:acme::x1", "text-embedding-3-small", "text-embedding-ada-002", "davinci-002")) {
            assertThat(ESTIMATOR.encodingFor(m)).as(m).isEqualTo(EncodingType.CL100K_BASE);
        }
        assertThat(ESTIMATOR.encodingFor(null)).isEqualTo(EncodingType.O200K_BASE);
    }

    @Test
    void contentPartsCountTheirTextAndImagesCountTheLowDetailFloor() throws IOException {
        JsonNode asString = chat("gpt-4o", "[{\"role\":\"user\",\"content\":\"Describe this picture in detail.\"}]");
        JsonNode asParts = chat("gpt-4o", "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Describe this picture in detail.\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]");
        long text = ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, asString);
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, asParts)).isEqualTo(text + PromptReader.IMAGE_TOKENS);
    }

    @Test
    void assistantToolCallsCountTheirNameAndArguments() throws IOException {
        JsonNode body = chat("gpt-4o", "[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_capital\",\"arguments\":\"{\\\"country\\\":\\\"UK\\\"}\"}}]}]");
        long expected = 3 + ESTIMATOR.countText("gpt-4o", "assistant") + ESTIMATOR.countText("gpt-4o", "get_capital")
                + ESTIMATOR.countText("gpt-4o", "{\"country\":\"UK\"}") + 3;
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.CHAT_COMPLETIONS, body)).isEqualTo(expected);
    }

    @Test
    void completionsPromptMayBeTextListOrTokenArrays() throws IOException {
        long hello = ESTIMATOR.countText("gpt-3.5-turbo-instruct", "Say this is a test");
        assertThat(ESTIMATOR.promptTokens("gpt-3.5-turbo-instruct", Endpoint.COMPLETIONS,
                JSON.readTree("{\"prompt\":\"Say this is a test\"}"))).isEqualTo(hello);
        assertThat(ESTIMATOR.promptTokens("gpt-3.5-turbo-instruct", Endpoint.COMPLETIONS,
                JSON.readTree("{\"prompt\":[\"Say this is a test\",\"Say this is a test\"]}"))).isEqualTo(2 * hello);
        assertThat(ESTIMATOR.promptTokens("gpt-3.5-turbo-instruct", Endpoint.COMPLETIONS,
                JSON.readTree("{\"prompt\":[1212, 318, 257, 1332]}"))).isEqualTo(4);
        assertThat(ESTIMATOR.promptTokens("gpt-3.5-turbo-instruct", Endpoint.COMPLETIONS,
                JSON.readTree("{\"prompt\":[[1212, 318], [257, 1332, 13]]}"))).isEqualTo(5);
    }

    @Test
    void embeddingsInputMayBeTextListOrTokenArrays() throws IOException {
        long one = ESTIMATOR.countText("text-embedding-3-small", "The food was delicious and the waiter...");
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.EMBEDDINGS,
                JSON.readTree("{\"model\":\"text-embedding-3-small\",\"input\":\"The food was delicious and the waiter...\"}"))).isEqualTo(one);
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.EMBEDDINGS,
                JSON.readTree("{\"model\":\"text-embedding-3-small\",\"input\":[\"The food was delicious and the waiter...\",\"ok\"]}")))
                .isEqualTo(one + ESTIMATOR.countText("text-embedding-3-small", "ok"));
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.EMBEDDINGS,
                JSON.readTree("{\"model\":\"text-embedding-3-small\",\"input\":[[1, 2, 3], [4]]}"))).isEqualTo(4);
    }

    @Test
    void responsesInputAndInstructionsCountAsMessages() throws IOException {
        long instructions = ESTIMATOR.countText("gpt-4.1", "Talk like a pirate.");
        long question = ESTIMATOR.countText("gpt-4.1", "Are semicolons optional in JavaScript?");
        long system = ESTIMATOR.countText("gpt-4.1", "system");
        long user = ESTIMATOR.countText("gpt-4.1", "user");
        JsonNode asString = JSON.readTree("{\"model\":\"gpt-4.1\",\"instructions\":\"Talk like a pirate.\","
                + "\"input\":\"Are semicolons optional in JavaScript?\"}");
        JsonNode asItems = JSON.readTree("{\"model\":\"gpt-4.1\",\"instructions\":\"Talk like a pirate.\","
                + "\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Are semicolons optional in JavaScript?\"}]}]}");
        long expected = 3 + system + instructions + 3 + user + question + 3;
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.RESPONSES, asString)).isEqualTo(expected);
        assertThat(ESTIMATOR.promptTokens(null, Endpoint.RESPONSES, asItems)).isEqualTo(expected);
    }

    @Test
    void specialTokenTextCountsAsOrdinaryText() {
        assertThat(ESTIMATOR.countText("gpt-4o", "<|endoftext|>")).isGreaterThan(1);
    }

    @Test
    void missingOrNonObjectBodyCountsNothing() throws IOException {
        assertThat(ESTIMATOR.promptTokens("gpt-4o", Endpoint.CHAT_COMPLETIONS, null)).isZero();
        assertThat(ESTIMATOR.promptTokens("gpt-4o", Endpoint.CHAT_COMPLETIONS, JSON.readTree("[1,2]"))).isZero();
        assertThat(ESTIMATOR.promptTokens("gpt-4o", Endpoint.CHAT_COMPLETIONS, JSON.readTree("{\"messages\":\"x\"}"))).isZero();
    }

    @Test
    void smallPromptCompletesInlineWithTheSyncCount() throws IOException {
        JsonNode body = chat("gpt-4o", COOKBOOK_MESSAGES);
        CompletableFuture<Long> f = ESTIMATOR.promptTokensAsync(null, Endpoint.CHAT_COMPLETIONS, body);
        assertThat(f).isCompletedWithValue(124L);
    }

    @Test
    void largePromptIsCountedOnTheOffloadExecutor() throws IOException {
        List<Runnable> submitted = new ArrayList<>();
        TokenEstimator estimator = new TokenEstimator(submitted::add);
        ObjectNode body = JSON.createObjectNode().put("model", "gpt-4o");
        ArrayNode messages = body.putArray("messages");
        String paragraph = "The quick brown fox jumps over the lazy dog. ".repeat(1000);
        messages.addObject().put("role", "user").put("content", paragraph);

        CompletableFuture<Long> f = estimator.promptTokensAsync(null, Endpoint.CHAT_COMPLETIONS, body);
        assertThat(f).isNotDone();
        assertThat(submitted).hasSize(1);
        submitted.get(0).run();
        assertThat(f).isCompletedWithValue(estimator.promptTokens(null, Endpoint.CHAT_COMPLETIONS, body));
    }

    @Test
    void aSmallPromptThatWouldLoadAVocabularyIsCountedOffTheCallersThread() throws IOException {
        List<Runnable> submitted = new ArrayList<>();
        TokenEstimator estimator = new TokenEstimator(submitted::add);
        RequestInfo gpt4 = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, JSON.writeValueAsBytes(chat("gpt-4", COOKBOOK_MESSAGES)));

        CompletableFuture<Long> first = estimator.promptTokensAsync(null, gpt4);
        assertThat(first).isNotDone();
        assertThat(submitted).hasSize(1);
        submitted.get(0).run(); // loads cl100k_base there, never on an event loop
        assertThat(first).isDone();
        // loaded: the next small gpt-4 prompt is counted inline
        assertThat(estimator.promptTokensAsync(null, gpt4)).isCompletedWithValue(first.join());
        assertThat(submitted).hasSize(1);
    }

    @Test
    void scannedRequestIsParsedAndCountedOffTheCallersThreadWhenLarge() throws IOException {
        List<Runnable> submitted = new ArrayList<>();
        TokenEstimator estimator = new TokenEstimator(submitted::add);
        ObjectNode body = JSON.createObjectNode().put("model", "gpt-4o");
        body.putArray("messages").addObject().put("role", "user").put("content", "The quick brown fox. ".repeat(200));
        byte[] bytes = JSON.writeValueAsBytes(body);
        RequestInfo large = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, bytes);

        CompletableFuture<Long> f = estimator.promptTokensAsync(null, large);
        assertThat(f).isNotDone();
        assertThat(submitted).hasSize(1);
        submitted.get(0).run();
        assertThat(f).isCompletedWithValue(estimator.promptTokens(null, Endpoint.CHAT_COMPLETIONS, body));

        RequestInfo small = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, JSON.writeValueAsBytes(chat("gpt-4o", COOKBOOK_MESSAGES)));
        assertThat(estimator.promptTokensAsync(null, small)).isCompletedWithValue(124L);
        assertThat(submitted).hasSize(1);
    }

    @Test
    void theBytesBoundIsNeverBelowTheCountAndNeedsNoTokenizer() throws IOException {
        ObjectNode images = JSON.createObjectNode().put("model", "gpt-4o");
        ArrayNode parts = images.putArray("messages").addObject().put("role", "user").putArray("content");
        parts.addObject().put("type", "text").put("text", "what is in these?");
        for (int i = 0; i < 3; i++) {
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", "https://x.co/" + i);
        }
        ObjectNode anthropic = JSON.createObjectNode().put("model", "claude-sonnet-4-5").put("max_tokens", 100);
        ArrayNode blocks = anthropic.putArray("messages").addObject().put("role", "user").putArray("content");
        blocks.addObject().put("type", "document").putObject("source").put("type", "url").put("url", "https://x.co/a.pdf");
        blocks.addObject().put("type", "text").put("text", "summarise");
        ObjectNode embeddings = JSON.createObjectNode().put("model", "text-embedding-3-small");
        embeddings.putArray("input").add(JSON.createArrayNode().add(1).add(2).add(3)).add("short");
        List<Object[]> cases = List.of(
                new Object[] {Endpoint.CHAT_COMPLETIONS, chat("gpt-4o", COOKBOOK_MESSAGES)},
                new Object[] {Endpoint.CHAT_COMPLETIONS, chat("gpt-4", COOKBOOK_MESSAGES)},
                new Object[] {Endpoint.CHAT_COMPLETIONS, JSON.readTree(COOKBOOK_TOOLS_BODY)},
                new Object[] {Endpoint.CHAT_COMPLETIONS, JSON.readTree(resource("gpt-4o-2024-08-06-capital-of-mexico.request.json"))},
                new Object[] {Endpoint.CHAT_COMPLETIONS, images},
                new Object[] {Endpoint.MESSAGES, anthropic},
                new Object[] {Endpoint.EMBEDDINGS, embeddings},
                // a prompt of single-byte tokens: the bound's worst case
                new Object[] {Endpoint.CHAT_COMPLETIONS, chat("gpt-4o", "[{\"role\":\"user\",\"content\":\"" + "1 ".repeat(300) + "\"}]")});
        for (Object[] c : cases) {
            Endpoint e = (Endpoint) c[0];
            JsonNode body = (JsonNode) c[1];
            if (!body.has("model")) {
                ((ObjectNode) body).put("model", "gpt-4o");
            }
            RequestInfo req = RequestInfo.parse(e, JSON.writeValueAsBytes(body));
            long exact = ESTIMATOR.promptTokens(null, e, body);
            assertThat(ESTIMATOR.promptTokenBound(req)).as("%s %s", e, body).isGreaterThanOrEqualTo(exact)
                    .isLessThanOrEqualTo(req.length() + 6L * PromptReader.IMAGE_TOKENS);
        }
        RequestInfo threeImages = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, JSON.writeValueAsBytes(images));
        // each image part spells image twice (its type and its image_url member): counted twice, still a bound
        assertThat(ESTIMATOR.promptTokenBound(threeImages)).isEqualTo(threeImages.length() + 6L * PromptReader.IMAGE_TOKENS);
    }

    @Test
    void aBodyThatEscapesCharactersOrIsNotAnObjectHasNoBound() {
        byte[] escaped = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"\\u0069mage_url\"}]}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(ESTIMATOR.promptTokenBound(RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, escaped))).isEqualTo(-1);
        byte[] backslash = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"C:\\\\users\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(ESTIMATOR.promptTokenBound(RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, backslash))).isEqualTo(backslash.length);
        assertThat(ESTIMATOR.promptTokenBound(RequestInfo.parse(Endpoint.CHAT_COMPLETIONS,
                "[1,2]".getBytes(StandardCharsets.UTF_8)))).isEqualTo(-1);
    }

    private static JsonNode chat(String model, String messages) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        body.set("messages", JSON.readTree(messages));
        return body;
    }

    static String resource(String name) throws IOException {
        try (InputStream in = TokenEstimatorTest.class.getResourceAsStream("/tollgate/estimate/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}

package tollgate.proxy.metering;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.config.Sha256;
import tollgate.proxy.LogCapture;
import tollgate.proxy.ScriptedUpstream;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.budget.BudgetEnforcementTest;

/** Every metered endpoint, through the proxy, with recorded real OpenAI answers: one exact record each. */
class MeteringEndToEndTest {
    static final String RAW_KEY = "tg-test-raw-key-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH_LINES = 500;
    /** gpt-4o-mini at batch prices, per line of the API reference's example: 24 × 0.075 + 15 × 0.3 per 1M. */
    private static final BigDecimal BATCH_PER_LINE = new BigDecimal("0.0000063");

    @TempDir
    Path dir;

    MockWebServer upstream;
    TestTollgate tollgate;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        upstream = new MockWebServer();
        upstream.start();
        tollgate = TestTollgate.start(upstream.url("/").toString(), dir, "log: {fsync: always}\n");
    }

    @AfterEach
    void stop() throws Exception {
        tollgate.close();
        upstream.close();
    }

    static String fixture(String name) throws Exception {
        try (InputStream in = MeteringEndToEndTest.class.getResourceAsStream("/fixtures/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tollgate.base() + path))
                .header("Authorization", "Bearer " + RAW_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    List<JsonNode> records(int atLeast) throws Exception {
        Path file = tollgate.logDir.resolve("usage-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (lines.size() >= atLeast) {
                    return lines.stream().map(l -> {
                        try {
                            return JSON.readTree(l);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }).collect(Collectors.toList());
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + atLeast + " usage records in " + file);
    }

    void enqueueJson(String body) {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .addHeader("x-request-id", "req_test_" + upstream.getRequestCount()).body(body).build());
    }

    @Test
    void chatCompletionIsRecordedExactlyWithTagsUserAndCost() throws Exception {
        enqueueJson(fixture("chat_gpt-4o.json"));
        HttpResponse<String> res = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"user\":\"u-42\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "X-Tollgate-Tag-Operation", "rag_answer");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.body()).isEqualTo(fixture("chat_gpt-4o.json"));
        JsonNode r = records(1).get(0);
        assertThat(r.get("key").asText()).isEqualTo("fp-" + Sha256.hex(RAW_KEY).substring(0, 12));
        assertThat(r.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(r.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(r.get("priced_as").asText()).isEqualTo("gpt-4o");
        assertThat(r.get("stream").asBoolean()).isFalse();
        assertThat(r.get("status").asInt()).isEqualTo(200);
        assertThat(r.get("input_tokens").asLong()).isEqualTo(14);
        assertThat(r.get("output_tokens").asLong()).isEqualTo(37);
        assertThat(r.get("total_tokens").asLong()).isEqualTo(51);
        assertThat(r.get("estimated").asBoolean()).isFalse();
        // 14 × $2.50/1M + 37 × $10.00/1M
        assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.000405"));
        assertThat(r.get("user").asText()).isEqualTo("u-42");
        assertThat(r.get("tags").get("operation").asText()).isEqualTo("rag_answer");
        assertThat(r.get("request_id").asText()).isEqualTo("req_test_0");
        assertThat(r.get("error").isNull()).isTrue();
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getHeaders().get("X-Tollgate-Tag-Operation")).isNull();
    }

    @Test
    void streamedChatGetsInjectedUsageAndTheClientStreamLacksOnlyThatChunk() throws Exception {
        String recorded = fixture("chat_stream_gpt-4o_content.sse");
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(recorded).build());
        HttpResponse<String> res = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(JSON.readTree(rec.getBody().utf8()).at("/stream_options/include_usage").asBoolean()).isTrue();
        // the client did not ask for usage: it gets the recorded stream minus the usage-only chunk
        String usageChunk = recorded.lines().filter(l -> l.contains("\"choices\":[]")).findFirst().orElseThrow() + "\n\n";
        String expected = recorded.replace(usageChunk, "");
        if (!res.body().equals(expected)) {
            int i = 0;
            while (i < Math.min(expected.length(), res.body().length()) && expected.charAt(i) == res.body().charAt(i)) {
                i++;
            }
            System.err.println("DIFF at " + i + " of " + expected.length() + "/" + res.body().length() + ": expected ["
                    + expected.substring(Math.max(0, i - 40), Math.min(expected.length(), i + 80)) + "] got ["
                    + res.body().substring(Math.max(0, i - 40), Math.min(res.body().length(), i + 80)) + "]");
        }
        assertThat(res.body()).isEqualTo(expected);
        JsonNode r = records(1).get(0);
        assertThat(r.get("stream").asBoolean()).isTrue();
        assertThat(r.get("input_tokens").asLong()).isEqualTo(14);
        assertThat(r.get("output_tokens").asLong()).isEqualTo(30);
        assertThat(r.get("estimated").asBoolean()).isFalse();
        assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.000335"));
    }

    @Test
    void clientAskingForUsageKeepsTheUsageChunk() throws Exception {
        String recorded = fixture("chat_stream_gpt-4o_content.sse");
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(recorded).build());
        HttpResponse<String> res = post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}");
        assertThat(res.body()).isEqualTo(recorded);
        assertThat(records(1).get(0).get("output_tokens").asLong()).isEqualTo(30);
    }

    @Test
    void streamWithoutUsageIsEstimatedWithTheRealTokenizer() throws Exception {
        String recorded = fixture("chat_stream_gpt-4o_content.sse");
        String withoutUsage = recorded.lines().filter(l -> !l.contains("\"choices\":[]")).collect(Collectors.joining("\n")) + "\n";
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(withoutUsage).build());
        post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode r = records(1).get(0);
        assertThat(r.get("estimated").asBoolean()).isTrue();
        // the recorded stream's own usage says 30 completion tokens; o200k_base on the streamed text agrees
        assertThat(r.get("output_tokens").asLong()).isEqualTo(30);
        assertThat(r.get("input_tokens").asLong()).isPositive();
    }

    @Test
    void completionsEmbeddingsAndResponsesAreEachRecorded() throws Exception {
        enqueueJson(fixture("completions_gpt-3.5-turbo-instruct.json"));
        enqueueJson(fixture("embeddings_text-embedding-3-small.json"));
        enqueueJson(fixture("responses_gpt-4o-mini.json"));
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream")
                .body(fixture("responses_stream_gpt-4o_text.sse")).build());
        post("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say this is a test\"}");
        post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"hello\"}");
        post("/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"hi\"}");
        post("/v1/responses", "{\"model\":\"gpt-4o\",\"input\":\"hi\",\"stream\":true}");
        List<JsonNode> rs = records(4);
        assertThat(rs).extracting(r -> r.get("endpoint").asText()).containsExactlyInAnyOrder(
                "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/responses");
        JsonNode streamed = rs.stream().filter(r -> r.get("stream").asBoolean()).findFirst().orElseThrow();
        assertThat(streamed.get("input_tokens").asLong()).isEqualTo(278);
        assertThat(streamed.get("output_tokens").asLong()).isEqualTo(9);
        // 278 × $2.50/1M + 9 × $10.00/1M
        assertThat(streamed.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.000785"));
        JsonNode emb = rs.stream().filter(r -> r.get("endpoint").asText().equals("/v1/embeddings")).findFirst().orElseThrow();
        assertThat(emb.get("output_tokens").asLong()).isZero();
        assertThat(emb.get("cost_usd").isNull()).isFalse();
    }

    @Test
    void spec12UnitsAndEndpointsAreRecordedThroughTheProxy() throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream")
                .body(fixture("responses_stream_gpt-5_function_call.sse")).build());
        enqueueJson(fixture("responses_gpt-5_cached_reasoning.json"));
        enqueueJson("{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":false}]}");
        enqueueJson("{\"text\":\"hello\"}");
        enqueueJson("{\"id\":\"batch_abc123\",\"object\":\"batch\",\"status\":\"validating\"}");
        post("/v1/responses", "{\"model\":\"gpt-5\",\"input\":\"weather?\",\"stream\":true,\"service_tier\":\"flex\"}");
        post("/v1/responses", "{\"model\":\"gpt-5\",\"input\":\"news\",\"tools\":[{\"type\":\"web_search\"}]}");
        post("/v1/moderations", "{\"model\":\"omni-moderation-latest\",\"input\":\"hi\"}");
        String boundary = "tg0123456789";
        String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\nContent-Type: audio/mpeg\r\n\r\n"
                + "ID3audio\r\n--" + boundary + "--\r\n";
        post("/v1/audio/transcriptions", form, "Content-Type", "multipart/form-data; boundary=" + boundary);
        post("/v1/batches", "{\"input_file_id\":\"file-abc\",\"endpoint\":\"/v1/chat/completions\"}");

        List<JsonNode> rs = records(5);
        JsonNode flex = rs.stream().filter(r -> "flex".equals(r.get("service_tier").asText())).findFirst().orElseThrow();
        // 53 × 0.625 + 469 × 5 per 1M: the recorded flex call at half the standard price
        assertThat(flex.get("cost_usd").decimalValue()).isEqualByComparingTo("0.002378125");
        JsonNode search = rs.stream().filter(r -> r.get("web_search_calls").asLong() == 2).findFirst().orElseThrow();
        assertThat(search.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0436425");
        JsonNode moderation = byEndpoint(rs, "/v1/moderations");
        assertThat(moderation.get("cost_usd").decimalValue()).isEqualByComparingTo("0");
        assertThat(moderation.get("unpriced").asBoolean()).isFalse();
        JsonNode transcription = byEndpoint(rs, "/v1/audio/transcriptions");
        assertThat(transcription.get("model").asText()).isEqualTo("whisper-1");
        assertThat(transcription.get("cost_usd").isNull()).isTrue();
        JsonNode batches = byEndpoint(rs, "/v1/batches");
        assertThat(batches.get("unpriced").asBoolean()).isTrue();
        assertThat(batches.get("estimated").asBoolean()).isFalse();
        // the upload reached the upstream byte for byte
        upstream.takeRequest();
        upstream.takeRequest();
        upstream.takeRequest();
        assertThat(upstream.takeRequest().getBody().utf8()).isEqualTo(form);
    }

    /**
     * A Batch API output file downloaded through the proxy ({@code GET /v1/files/{id}/content}, answered chunked in
     * pieces that cut lines): one record per result line at batch prices, tagged with its {@code custom_id}, charged to
     * the downloading key's budget; the file reaches the client byte for byte, and an uploaded input file downloaded the
     * same way makes no records. {@code LeakGuard} fails the test on a buffer leak.
     */
    @Test
    void everyResultLineOfADownloadedOutputFileIsRecordedAtBatchPrices() throws Exception {
        tollgate.close();
        tollgate = TestTollgate.start(upstream.url("/").toString(), dir,
                "log: {fsync: always}\n" + BudgetEnforcementTest.config("reserve", "1"), BudgetEnforcementTest.ENV);
        String reference = fixture("batch_output_openai_docs.jsonl").lines().findFirst().orElseThrow();
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < BATCH_LINES; i++) {
            file.append(reference.replace("\"request-2\"", "\"line-" + i + "\"")).append('\n');
            if (i == 100) {
                // a line that is not JSON: skipped and counted, the rest still billed
                file.append("<html>not a result</html>\n");
            }
        }
        String output = file.toString();
        // 777-byte chunks: lines (about 430 bytes each) are cut across chunks everywhere
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/octet-stream")
                .chunkedBody(output, 777).build());

        HttpResponse<String> got = download("file-out123");
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(output);

        List<JsonNode> records = records(BATCH_LINES);
        assertThat(records).hasSize(BATCH_LINES);
        Set<String> customIds = new HashSet<>();
        for (JsonNode r : records) {
            assertThat(r.get("batch").asBoolean()).isTrue();
            assertThat(r.get("service_tier").asText()).isEqualTo("batch");
            assertThat(r.get("endpoint").asText()).isEqualTo("/v1/chat/completions");
            assertThat(r.get("model").asText()).isEqualTo("gpt-4o-mini");
            assertThat(r.get("key").asText()).isEqualTo("storybot");
            assertThat(r.get("input_tokens").asLong()).isEqualTo(24);
            assertThat(r.get("output_tokens").asLong()).isEqualTo(15);
            assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo(BATCH_PER_LINE);
            assertThat(r.get("estimated").asBoolean()).isFalse();
            customIds.add(r.get("tags").get("batch_custom_id").asText());
        }
        assertThat(customIds).hasSize(BATCH_LINES).contains("line-0", "line-" + (BATCH_LINES - 1));

        // an uploaded input file downloaded the same way is forwarded untouched and makes no record; then one chat
        // call: the budget it sees left is $1 less the batch results' cost, and its record is the next one
        String input = "{\"custom_id\": \"request-1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": "
                + "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello world!\"}]}}\n";
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/octet-stream")
                .chunkedBody(input, 50).build());
        assertThat(download("file-in456").body()).isEqualTo(input);
        HttpResponse<String> chat = chat();
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(new BigDecimal(chat.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow()))
                .isEqualByComparingTo(BigDecimal.ONE.subtract(BATCH_PER_LINE.multiply(BigDecimal.valueOf(BATCH_LINES))));
        List<JsonNode> all = records(BATCH_LINES + 1);
        assertThat(all).hasSize(BATCH_LINES + 1);
        assertThat(all.get(BATCH_LINES).get("endpoint").asText()).isEqualTo("/v1/chat/completions");
        assertThat(all.get(BATCH_LINES).get("batch").asBoolean()).isFalse();
        String metrics = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tollgate_batch_unparsed_lines_total 1.0");
        // the results' tokens and cost are the key's; the download was one request, its lines are none
        assertThat(metrics).contains("tollgate_tokens_total{estimated=\"false\",key=\"storybot\",model=\"gpt-4o-mini\",provider=\"\",type=\"input\"} "
                + (24.0 * BATCH_LINES));
        assertThat(metrics).doesNotContain("model=\"gpt-4o-mini\",provider=\"\",status=\"200\"} " + (double) BATCH_LINES);
    }

    /**
     * OpenAI bills a batch's results once: an output file downloaded again (here, and after a restart) is forwarded
     * whole and bills nothing more; the second download's results count as metered before.
     */
    @Test
    void anOutputFileDownloadedAgainIsNotBilledAgainEvenAfterARestart() throws Exception {
        String output = twentyResults();
        assertThat(download("file-twice", output).body()).isEqualTo(output);
        assertThat(records(20)).hasSize(20);

        assertThat(download("file-twice", output).body()).isEqualTo(output);
        assertThat(chatRecordFollows(21)).isTrue();
        String metrics = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tollgate_batch_results_metered_before_total 20.0");
        // the count is kept once the records are written: then a restart knows it too
        Path marker = tollgate.logDir.resolve("batch-downloads").resolve("file-twice");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(Files.exists(marker) && Files.readString(marker).equals("20")) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(marker).hasContent("20");

        tollgate.close();
        tollgate = TestTollgate.start(upstream.url("/").toString(), dir, "log: {fsync: always}\n");
        assertThat(download("file-twice", output).body()).isEqualTo(output);
        assertThat(chatRecordFollows(22)).isTrue();
    }

    /**
     * A file whose count the running proxy does not hold (start-up loads the newest 10,000; the cache may let one go)
     * is read from its count file before its download is forwarded: the results metered before are not billed again.
     */
    @Test
    void aReDownloadWhoseCountIsNotInMemoryIsReadFromItsFileBeforeItPasses() throws Exception {
        Path counts = tollgate.logDir.resolve("batch-downloads");
        Files.createDirectories(counts);
        Files.writeString(counts.resolve("file-earlier"), "12");
        String output = twentyResults();
        assertThat(download("file-earlier", output).body()).isEqualTo(output);
        List<JsonNode> billed = records(8);
        assertThat(billed).extracting(r -> r.get("tags").get("batch_custom_id").asText())
                .containsExactly("line-12", "line-13", "line-14", "line-15", "line-16", "line-17", "line-18", "line-19");
        assertThat(chatRecordFollows(9)).isTrue();
    }

    /** An output file of 20 results: the API reference's example line with custom ids line-0 … line-19. */
    private static String twentyResults() throws Exception {
        String reference = fixture("batch_output_openai_docs.jsonl").lines().findFirst().orElseThrow();
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            file.append(reference.replace("\"request-2\"", "\"line-" + i + "\"")).append('\n');
        }
        return file.toString();
    }

    /** A chat call with the budgeted key, answered with a recorded gpt-4o answer. */
    private HttpResponse<String> chat() throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .body(fixture("chat_gpt-4o.json")).build());
        return http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(BudgetEnforcementTest.request())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** One chat call; true when its record is the {@code n}-th of the log (nothing else was recorded before it). */
    private boolean chatRecordFollows(int n) throws Exception {
        HttpResponse<String> chat = chat();
        assertThat(chat.statusCode()).isEqualTo(200);
        List<JsonNode> all = records(n);
        return all.size() == n && all.get(n - 1).get("endpoint").asText().equals("/v1/chat/completions");
    }

    HttpResponse<String> download(String fileId, String content) throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/octet-stream")
                .chunkedBody(content, 500).build());
        return download(fileId);
    }

    HttpResponse<String> download(String fileId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/files/" + fileId + "/content"))
                .header("Authorization", "Bearer " + BudgetEnforcementTest.KEY).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode byEndpoint(List<JsonNode> rs, String endpoint) {
        return rs.stream().filter(r -> endpoint.equals(r.get("endpoint").asText())).findFirst().orElseThrow();
    }

    @Test
    void upstreamErrorIsRecordedWithItsCode() throws Exception {
        upstream.enqueue(new MockResponse.Builder().code(404).addHeader("Content-Type", "application/json")
                .body(fixture("error_404_model_not_found.json")).build());
        HttpResponse<String> res = post("/v1/embeddings", "{\"model\":\"nope\",\"input\":\"x\"}");
        assertThat(res.statusCode()).isEqualTo(404);
        JsonNode r = records(1).get(0);
        assertThat(r.get("status").asInt()).isEqualTo(404);
        assertThat(r.get("error").asText()).isEqualTo(JSON.readTree(fixture("error_404_model_not_found.json")).at("/error/code").asText());
    }

    @Test
    void metricsCountTheCallsAndNeverShowTheRawKey() throws Exception {
        // everything tollgate logs to the console during the calls, at every level
        LogCapture console = LogCapture.start(ch.qos.logback.classic.Level.DEBUG);
        try (console) {
            enqueueJson(fixture("chat_gpt-4o.json"));
            post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
            upstream.enqueue(new MockResponse.Builder().code(500).body("upstream broke").build());
            post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}");
            records(2);
            // a whole life of a second tollgate that knows the key by name: start, a refused and a served call, stop
            upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(fixture("chat_gpt-4o.json")).build());
            try (TestTollgate named = TestTollgate.start(upstream.url("/").toString(), dir.resolve("named"),
                    "keys_required: true\nkeys:\n  - {name: named, key_env: K}\n", java.util.Map.of("K", RAW_KEY))) {
                http.send(HttpRequest.newBuilder(URI.create(named.base() + "/v1/models")).header("Authorization", "Bearer x" + RAW_KEY).build(),
                        HttpResponse.BodyHandlers.ofString());
                http.send(HttpRequest.newBuilder(URI.create(named.base() + "/v1/chat/completions")).header("Authorization", "Bearer " + RAW_KEY)
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"messages\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
                named.awaitRecords(1);
            }
        }
        assertThat(console.lines()).isNotEmpty().allSatisfy(l -> assertThat(l).doesNotContain(RAW_KEY));
        String metrics = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String fp = "fp-" + Sha256.hex(RAW_KEY).substring(0, 12);
        assertThat(metrics).contains("tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"" + fp + "\",model=\"gpt-4o-2024-08-06\",provider=\"\",status=\"200\"} 1.0");
        assertThat(metrics).contains("tollgate_requests_total{endpoint=\"/v1/chat/completions\",key=\"" + fp + "\",model=\"gpt-4o\",provider=\"\",status=\"500\"} 1.0");
        assertThat(metrics).contains("tollgate_tokens_total{estimated=\"false\",key=\"" + fp + "\",model=\"gpt-4o-2024-08-06\",provider=\"\",type=\"output\"} 37.0");
        assertThat(metrics).contains("tollgate_cost_usd_total{key=\"" + fp + "\",model=\"gpt-4o-2024-08-06\",provider=\"\"} 4.05E-4");
        assertThat(metrics).doesNotContain(RAW_KEY);
        String log = Files.readString(tollgate.logDir.resolve("usage-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl"));
        assertThat(log).doesNotContain(RAW_KEY);
    }

    @Test
    void clientLeavingMidStreamIsStillBilledForWhatWasStreamed() throws Exception {
        String recorded = fixture("chat_stream_gpt-4o_content.sse");
        List<String> events = List.of(recorded.split("(?<=\n\n)"));
        java.util.concurrent.CountDownLatch clientGone = new java.util.concurrent.CountDownLatch(1);
        try (ScriptedUpstream up = new ScriptedUpstream((head, body, out) -> {
            ScriptedUpstream.sseHead(out);
            for (int i = 0; i < 6; i++) {
                ScriptedUpstream.chunk(out, events.get(i));
            }
            clientGone.await(5, TimeUnit.SECONDS);
            Thread.sleep(200);
            for (int i = 6; i < events.size(); i++) {
                ScriptedUpstream.chunk(out, events.get(i));
            }
        }); TestTollgate tg = TestTollgate.start(up.url(), dir.resolve("gone"), "{}")) {
            HttpResponse<InputStream> res = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + RAW_KEY)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            BufferedReader r = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8));
            for (int i = 0; i < 12; i++) {
                r.readLine();
            }
            res.body().close();
            clientGone.countDown();
            Path file = tg.logDir.resolve("usage-" + LocalDate.now(ZoneOffset.UTC) + ".jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(file) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            tg.app.usageLog().flush().get(5, TimeUnit.SECONDS);
            JsonNode rec = JSON.readTree(Files.readAllLines(file).get(0));
            assertThat(rec.get("error").asText()).isEqualTo("client_disconnected");
            assertThat(rec.get("estimated").asBoolean()).isTrue();
            assertThat(rec.get("output_tokens").asLong()).isBetween(1L, 29L);
            assertThat(rec.get("cost_usd").decimalValue()).isPositive();
        }
    }

    static byte[] gzip(String text) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out)) {
            z.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    HttpResponse<byte[]> postBytes(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + RAW_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void anUpstreamThatCompressesAnywayIsMeteredFromTheInflatedBytesAndTheClientGetsWhatWasSent() throws Exception {
        byte[] json = gzip(fixture("chat_gpt-4o.json"));
        byte[] sse = gzip(fixture("chat_stream_gpt-4o_content.sse"));
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .addHeader("Content-Encoding", "gzip").body(new okio.Buffer().write(json)).build());
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream")
                .addHeader("Content-Encoding", "gzip").body(new okio.Buffer().write(sse)).build());
        HttpResponse<byte[]> a = postBytes("{\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(a.body()).isEqualTo(json);
        assertThat(a.headers().firstValue("content-encoding")).hasValue("gzip");
        HttpResponse<byte[]> b = postBytes("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}");
        // nothing can be cut from compressed bytes: the stream arrives as sent, usage chunk included
        assertThat(b.body()).isEqualTo(sse);
        List<JsonNode> recs = records(2);
        assertThat(recs.get(0).get("estimated").asBoolean()).isFalse();
        assertThat(recs.get(0).get("output_tokens").asLong()).isEqualTo(37);
        assertThat(recs.get(0).get("error").isNull()).isTrue();
        assertThat(recs.get(1).get("estimated").asBoolean()).isFalse();
        assertThat(recs.get(1).get("output_tokens").asLong()).isEqualTo(30);
    }

    @Test
    void anEncodingTollgateCannotReadIsRecordedAsSuch() throws Exception {
        byte[] opaque = {(byte) 0x8b, 0x00, 0x42, 0x13, 0x37};
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json")
                .addHeader("Content-Encoding", "br").body(new okio.Buffer().write(opaque)).build());
        HttpResponse<byte[]> a = postBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(a.statusCode()).isEqualTo(200);
        assertThat(a.body()).isEqualTo(opaque);
        JsonNode rec = records(1).get(0);
        assertThat(rec.get("error").asText()).isEqualTo("unreadable_encoding");
        assertThat(rec.get("estimated").asBoolean()).isTrue();
        String metrics = http.send(HttpRequest.newBuilder(URI.create(tollgate.base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tollgate_unreadable_encodings_total 1.0");
    }
}

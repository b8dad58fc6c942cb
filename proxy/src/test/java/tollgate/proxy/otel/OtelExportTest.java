package tollgate.proxy.otel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;

/**
 * Issue 20, OpenTelemetry: calls through tollgate reach an OTLP/HTTP receiver as one CLIENT span each with the GenAI
 * semantic conventions, joined to the client's W3C trace, and as the GenAI client metrics; a dead collector costs
 * a counter only. What the receiver gets is decoded with the OpenTelemetry protobuf classes.
 */
class OtelExportTest {
    static final String RAW_KEY = "sk-otel-raw-key-0123456789abcdef";
    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT_ID = "00f067aa0ba902b7";

    // a gpt-4o-mini answer with cached prompt tokens and reasoning tokens (OpenAI "Create chat completion" shape)
    static final String CHAT = """
            {"id":"chatcmpl-otel","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":"Hi","refusal":null,"annotations":[]},
             "logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1200,"completion_tokens":50,
             "total_tokens":1250,"prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
             "completion_tokens_details":{"reasoning_tokens":20,"audio_tokens":0,"accepted_prediction_tokens":0,
             "rejected_prediction_tokens":0}},"service_tier":"default","system_fingerprint":"fp_06737a9306"}""";

    static final String STREAM = ""
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0}}}\n\n"
            + "data: [DONE]\n\n";

    @TempDir
    Path dir;

    MockWebServer upstream;
    MockWebServer collector;
    final List<RecordedRequest> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = new MockWebServer();
        upstream.start();
        collector = new MockWebServer();
        collector.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                received.add(request);
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/x-protobuf").build();
            }
        });
        collector.start();
    }

    @AfterEach
    void stop() throws Exception {
        upstream.close();
        collector.close();
    }

    private TestTollgate tollgate(String endpoint) throws Exception {
        return TestTollgate.start(upstream.url("/").toString(), dir, "otel:\n  endpoint: " + endpoint
                + "\n  headers: {x-collector-token: collector-secret}\nkeys:\n  - {name: storybot, key_env: K}\n",
                Map.of("K", RAW_KEY));
    }

    private static OpenAIClient client(TestTollgate t, String traceparent) {
        OpenAIOkHttpClient.Builder b = OpenAIOkHttpClient.builder().apiKey(RAW_KEY).baseUrl(t.base() + "/v1").maxRetries(0);
        if (traceparent != null) {
            b.putHeader("traceparent", traceparent).putHeader("tracestate", "app=1");
        }
        return b.build();
    }

    @Test
    void oneGenAiSpanPerCallJoinedToTheClientsTraceAndTheTokenMetrics() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        try (TestTollgate t = tollgate(collector.url("/").toString())) {
            upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(CHAT).build());
            OpenAIClient traced = client(t, "00-" + TRACE_ID + "-" + PARENT_ID + "-01");
            ChatCompletion c = traced.chat().completions().create(ChatCompletionCreateParams.builder()
                    .model(ChatModel.GPT_4O_MINI).addUserMessage("Hello!").build());
            assertThat(c.usage().get().promptTokens()).isEqualTo(1200);
            traced.close();
            // the first record is in the log before the second call: the order of spans is known
            t.awaitRecords(1);
            upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(STREAM).build());
            OpenAIClient plain = client(t, null);
            try (StreamResponse<ChatCompletionChunk> s = plain.chat().completions().createStreaming(
                    ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O_MINI).addUserMessage("Say hello").build())) {
                assertThat(s.stream().count()).isPositive();
            }
            plain.close();
            ObjectMapper json = new ObjectMapper();
            for (String l : t.awaitRecords(2)) {
                lines.add(json.readTree(l));
            }
            List<Span> spans = awaitSpans(2);
            assertThat(spans).hasSize(2);

            Span chat = spans.get(0);
            JsonNode chatLine = lines.get(0);
            assertThat(chat.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
            assertThat(chat.getName()).isEqualTo("chat gpt-4o-mini-2024-07-18");
            assertThat(hex(chat.getTraceId().toByteArray())).isEqualTo(TRACE_ID);
            assertThat(hex(chat.getParentSpanId().toByteArray())).isEqualTo(PARENT_ID);
            assertThat(chat.getTraceState()).isEqualTo("app=1");
            Instant ended = Instant.parse(chatLine.get("ts").asText());
            long endNanos = TimeUnit.SECONDS.toNanos(ended.getEpochSecond()) + ended.getNano();
            assertThat(chat.getEndTimeUnixNano()).isEqualTo(endNanos);
            assertThat(chat.getStartTimeUnixNano())
                    .isEqualTo(endNanos - TimeUnit.MILLISECONDS.toNanos(chatLine.get("duration_ms").asLong()));
            Map<String, AnyValue> a = attributes(chat.getAttributesList());
            assertThat(a.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
            assertThat(a.get("gen_ai.provider.name").getStringValue()).isEqualTo("openai");
            assertThat(a.get("gen_ai.request.model").getStringValue()).isEqualTo("gpt-4o-mini-2024-07-18");
            assertThat(a.get("gen_ai.response.model").getStringValue()).isEqualTo("gpt-4o-mini-2024-07-18");
            assertThat(a.get("gen_ai.usage.input_tokens").getIntValue()).isEqualTo(1200);
            assertThat(a.get("gen_ai.usage.output_tokens").getIntValue()).isEqualTo(50);
            assertThat(a.get("gen_ai.usage.cache_read.input_tokens").getIntValue()).isEqualTo(1024);
            assertThat(a.get("gen_ai.usage.cache_write.input_tokens").getIntValue()).isZero();
            assertThat(a.get("gen_ai.usage.reasoning.output_tokens").getIntValue()).isEqualTo(20);
            BigDecimal cost = new BigDecimal(chatLine.get("cost_usd").asText());
            assertThat(cost.signum()).isPositive();
            assertThat(a.get("gen_ai.usage.cost.amount").getDoubleValue()).isEqualTo(cost.doubleValue());
            assertThat(a.get("gen_ai.usage.cost.currency").getStringValue()).isEqualTo("USD");
            assertThat(a.get("tollgate.key.id").getStringValue()).isEqualTo("storybot");
            assertThat(a.get("http.response.status_code").getIntValue()).isEqualTo(200);
            assertThat(a).doesNotContainKey("error.type");
            assertThat(chat.getStatus().getCode()).isNotEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);

            Span streamed = spans.get(1);
            assertThat(streamed.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
            assertThat(streamed.getParentSpanId().isEmpty()).isTrue();
            assertThat(hex(streamed.getTraceId().toByteArray())).isNotEqualTo(TRACE_ID);
            Map<String, AnyValue> s = attributes(streamed.getAttributesList());
            assertThat(s.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
            assertThat(s.get("gen_ai.usage.input_tokens").getIntValue()).isEqualTo(9);
            assertThat(s.get("gen_ai.usage.output_tokens").getIntValue()).isEqualTo(2);
            assertThat(s.get("tollgate.stream").getBoolValue()).isTrue();

            RecordedRequest first = received.stream().filter(r -> r.getUrl().encodedPath().equals("/v1/traces"))
                    .findFirst().orElseThrow();
            assertThat(first.getHeaders().get("x-collector-token")).isEqualTo("collector-secret");
            assertThat(first.getHeaders().get("Content-Type")).isEqualTo("application/x-protobuf");
        }
        // the stop exports the metrics one last time
        List<Metric> metrics = new ArrayList<>();
        for (RecordedRequest r : received) {
            if (r.getUrl().encodedPath().equals("/v1/metrics")) {
                ExportMetricsServiceRequest m = ExportMetricsServiceRequest.parseFrom(r.getBody().toByteArray());
                m.getResourceMetricsList().forEach(rm -> rm.getScopeMetricsList().forEach(sm -> metrics.addAll(sm.getMetricsList())));
            }
        }
        Map<String, Long> tokenSums = new HashMap<>();
        Map<String, Long> tokenCounts = new HashMap<>();
        long durations = 0;
        for (Metric m : metrics) {
            if (m.getName().equals("gen_ai.client.token.usage")) {
                assertThat(m.getUnit()).isEqualTo("{token}");
                for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                    Map<String, AnyValue> pa = attributes(p.getAttributesList());
                    assertThat(pa.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
                    assertThat(pa.get("gen_ai.provider.name").getStringValue()).isEqualTo("openai");
                    assertThat(pa.get("gen_ai.request.model").getStringValue()).isEqualTo("gpt-4o-mini-2024-07-18");
                    // cumulative: the last export holds the totals
                    tokenSums.put(pa.get("gen_ai.token.type").getStringValue(), (long) p.getSum());
                    tokenCounts.put(pa.get("gen_ai.token.type").getStringValue(), p.getCount());
                }
            } else if (m.getName().equals("gen_ai.client.operation.duration")) {
                assertThat(m.getUnit()).isEqualTo("s");
                durations = m.getHistogram().getDataPointsList().stream().mapToLong(HistogramDataPoint::getCount).sum();
            }
        }
        assertThat(tokenSums).containsEntry("input", 1209L).containsEntry("output", 52L);
        assertThat(tokenCounts).containsEntry("input", 2L).containsEntry("output", 2L);
        assertThat(durations).isEqualTo(2);
        // keys are secrets: never in what leaves for the collector
        for (RecordedRequest r : received) {
            assertThat(new String(r.getBody().toByteArray(), StandardCharsets.ISO_8859_1)).doesNotContain(RAW_KEY);
            assertThat(r.getHeaders().toString()).doesNotContain(RAW_KEY);
        }
    }

    @Test
    void anAnthropicCacheWriteAndAFailedCallAreSpansToo() throws Exception {
        try (TestTollgate t = tollgate(collector.url("/").toString())) {
            upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(
                    "{\"id\":\"msg_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"model\":\"claude-opus-4-1-20250805\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
                    + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"cache_creation_input_tokens\":188086,"
                    + "\"cache_read_input_tokens\":0,\"input_tokens\":21,\"output_tokens\":393}}").build());
            com.anthropic.client.AnthropicClient anthropic = com.anthropic.client.okhttp.AnthropicOkHttpClient.builder()
                    .apiKey(RAW_KEY).baseUrl(t.base()).maxRetries(0)
                    .putHeader("traceparent", "00-" + TRACE_ID + "-" + PARENT_ID + "-01").build();
            anthropic.messages().create(com.anthropic.models.messages.MessageCreateParams.builder()
                    .model("claude-opus-4-1").maxTokens(1024).addUserMessage("Hello").build());
            anthropic.close();
            t.awaitRecords(1);
            upstream.enqueue(new MockResponse.Builder().code(429).addHeader("Content-Type", "application/json").body(
                    "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"param\":null,"
                    + "\"code\":\"rate_limit_exceeded\"}}").build());
            OpenAIClient c = client(t, null);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.chat().completions().create(
                    ChatCompletionCreateParams.builder().model(ChatModel.GPT_4O_MINI).addUserMessage("Hi").build()))
                    .isInstanceOf(com.openai.errors.RateLimitException.class);
            c.close();
            ObjectMapper json = new ObjectMapper();
            List<String> lines = t.awaitRecords(2);
            JsonNode written = json.readTree(lines.get(0));
            JsonNode failed = json.readTree(lines.get(1));
            List<Span> spans = awaitSpans(2);

            Map<String, AnyValue> m = attributes(spans.get(0).getAttributesList());
            assertThat(hex(spans.get(0).getParentSpanId().toByteArray())).isEqualTo(PARENT_ID);
            assertThat(m.get("gen_ai.operation.name").getStringValue()).isEqualTo("chat");
            assertThat(m.get("gen_ai.provider.name").getStringValue()).isEqualTo("anthropic");
            assertThat(m.get("gen_ai.response.model").getStringValue()).isEqualTo("claude-opus-4-1-20250805");
            assertThat(m.get("gen_ai.usage.cache_write.input_tokens").getIntValue())
                    .isEqualTo(written.get("cache_write_tokens").asLong()).isEqualTo(188086);
            assertThat(m.get("gen_ai.usage.input_tokens").getIntValue()).isEqualTo(written.get("input_tokens").asLong());
            assertThat(m.get("gen_ai.usage.output_tokens").getIntValue()).isEqualTo(393);
            assertThat(m.get("gen_ai.usage.cost.amount").getDoubleValue())
                    .isEqualTo(new BigDecimal(written.get("cost_usd").asText()).doubleValue());

            Span error = spans.get(1);
            Map<String, AnyValue> e = attributes(error.getAttributesList());
            assertThat(failed.get("error").asText()).isNotEmpty();
            assertThat(e.get("error.type").getStringValue()).isEqualTo(failed.get("error").asText());
            assertThat(e.get("http.response.status_code").getIntValue()).isEqualTo(429);
            assertThat(error.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
        }
    }

    @Test
    void aDeadCollectorLeavesCallsAloneAndIsCounted() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (TestTollgate t = tollgate("http://127.0.0.1:" + closedPort)) {
            OpenAIClient c = client(t, "00-" + TRACE_ID + "-" + PARENT_ID + "-01");
            for (int i = 0; i < 3; i++) {
                upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(CHAT).build());
                ChatCompletion r = c.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model(ChatModel.GPT_4O_MINI).addUserMessage("Hello!").build());
                assertThat(r.usage().get().completionTokens()).isEqualTo(50);
            }
            c.close();
            assertThat(t.awaitRecords(3)).hasSize(3);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            double failures = 0;
            while (failures < 1 && System.nanoTime() < deadline) {
                failures = counter(t.app.metrics().registry().scrape(), "tollgate_otel_export_failures_total");
                if (failures < 1) {
                    Thread.sleep(50);
                }
            }
            assertThat(failures).isGreaterThanOrEqualTo(1);
            assertThat(counter(t.app.metrics().registry().scrape(), "tollgate_otel_dropped_spans_total")).isZero();
        }
    }

    private static double counter(String scrape, String name) {
        return scrape.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private List<Span> awaitSpans(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            List<Span> spans = new ArrayList<>();
            for (RecordedRequest r : received) {
                if (r.getUrl().encodedPath().equals("/v1/traces")) {
                    ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(r.getBody().toByteArray());
                    req.getResourceSpansList().forEach(rs -> {
                        assertThat(attributes(rs.getResource().getAttributesList()).get("service.name").getStringValue())
                                .isEqualTo("tollgate");
                        rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList()));
                    });
                }
            }
            if (spans.size() >= n) {
                return spans;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("fewer than " + n + " spans reached the collector");
    }

    private static Map<String, AnyValue> attributes(List<KeyValue> kvs) {
        return kvs.stream().collect(Collectors.toMap(KeyValue::getKey, KeyValue::getValue));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}

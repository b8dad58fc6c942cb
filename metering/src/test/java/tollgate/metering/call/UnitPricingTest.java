package tollgate.metering.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tollgate.metering.budget.CallBudgets;
import tollgate.metering.log.UsageRecord;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;
import tollgate.metering.usage.UnitCounts;

/** SPEC 12's units, from answers through the meter and the recorder to the record's price, exact. */
class UnitPricingTest {
    private static final PricingTable BUILT_IN = PricingTable.builtIn();
    private static final PricingTable UNITS = unitPrices();

    @Test
    void audioInputTokensPayTheAudioPrice() throws Exception {
        // chat_gpt-4o-audio-preview_audio_input.json (pydantic-ai cassette): 64 prompt tokens of which 44 audio, 9 out;
        // gpt-4o-audio-preview: text 2.5 / 10, audio 40 / 80: 20 × 2.5 + 44 × 40 + 9 × 10 = 50 + 1760 + 90 = 1900
        UsageRecord r = record(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-audio-preview\",\"messages\":[]}",
                fixture("/fixtures/chat_gpt-4o-audio-preview_audio_input.json"), "application/json", BUILT_IN);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.0019"));
        assertThat(r.pricedAs()).isEqualTo("gpt-4o-audio-preview");
        assertThat(r.units().counts().audioInputTokens()).isEqualTo(44);
        assertThat(r.units().counts().audioOutputTokens()).isZero();
    }

    @Test
    void everyWebSearchOfAStreamIsBilledOnce() throws Exception {
        // responses_stream_gpt-5_web_search.sse: 7 web_search_call items (output_item.done; response.completed repeats
        // them), usage 33151 in (4352 cached), 3367 out: 28799 × 1.25 + 4352 × 0.125 + 3367 × 10 = 70212.75 per 1M,
        // plus 7 × $10 / 1K = 0.07
        UsageRecord r = record(Endpoint.RESPONSES, "{\"model\":\"gpt-5\",\"stream\":true,\"input\":\"news\"}",
                fixture("/fixtures/responses_stream_gpt-5_web_search.sse"), "text/event-stream", BUILT_IN);
        assertThat(r.units().counts().webSearchCalls()).isEqualTo(7);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.14021275"));
    }

    @Test
    void theWorstCaseCountsImagesAndSpeechCharactersAtTheirPrices() {
        // dall-e-3, n = 3 hd 1024x1792: 3 × 0.12; a size the table does not price reserves its dearest image (0.12)
        RequestInfo hd = RequestInfo.parse(Endpoint.IMAGES_GENERATIONS,
                "{\"model\":\"dall-e-3\",\"n\":3,\"size\":\"1024x1792\",\"quality\":\"hd\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(CallRecorder.worstCase(hd, UNITS.resolve(null, "dall-e-3"), 0).usd()).isEqualByComparingTo("0.36");
        RequestInfo odd = RequestInfo.parse(Endpoint.IMAGES_GENERATIONS,
                "{\"model\":\"dall-e-3\",\"n\":2,\"size\":\"640x480\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(CallRecorder.worstCase(odd, UNITS.resolve(null, "dall-e-3"), 0).usd()).isEqualByComparingTo("0.24");
        // tts-1: 2,000 characters × $0.015 / 1K = 0.03
        RequestInfo speech = RequestInfo.parse(Endpoint.AUDIO_SPEECH,
                ("{\"model\":\"tts-1\",\"voice\":\"alloy\",\"input\":\"" + "x".repeat(2000) + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(CallRecorder.worstCase(speech, UNITS.resolve(null, "tts-1"), 0).usd()).isEqualByComparingTo("0.03");
    }

    @Test
    void theWorstCaseCountsTranscriptionMinutesAndWebSearches() {
        // whisper-1 at $0.006 a minute: a 120,000-byte upload holds at most 120 s at 8 kbit/s: 2 × 0.006
        byte[] upload = new byte[120_000];
        RequestInfo transcription = RequestInfo.parse(Endpoint.AUDIO_TRANSCRIPTIONS, java.nio.ByteBuffer.wrap(upload));
        assertThat(CallRecorder.unitWorstCase(transcription, UNITS.resolve(null, "whisper-1"))).isEqualByComparingTo("0.012");
        // gpt-5 with a web search tool: max_tool_calls searches at $10 / 1K, else 10 of them
        RequestInfo three = RequestInfo.parse(Endpoint.RESPONSES, ("{\"model\":\"gpt-5\",\"max_output_tokens\":0,"
                + "\"max_tool_calls\":3,\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"web_search\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(three.webSearchTool()).isTrue();
        assertThat(CallRecorder.worstCase(three, BUILT_IN.resolve(null, "gpt-5"), 0).usd()).isEqualByComparingTo("0.03");
        RequestInfo unbounded = RequestInfo.parse(Endpoint.RESPONSES, ("{\"model\":\"gpt-5\",\"max_output_tokens\":0,"
                + "\"tools\":[{\"type\":\"web_search_preview\"}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(CallRecorder.worstCase(unbounded, BUILT_IN.resolve(null, "gpt-5"), 0).usd()).isEqualByComparingTo("0.1");
        RequestInfo none = RequestInfo.parse(Endpoint.RESPONSES, "{\"model\":\"gpt-5\",\"max_output_tokens\":0,\"tools\":[]}"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(CallRecorder.worstCase(none, BUILT_IN.resolve(null, "gpt-5"), 0).usd()).isEqualByComparingTo("0");
    }

    @Test
    void dallE3ImagesArePricedPerImageByQualityAndSize() throws Exception {
        String request = "{\"model\":\"dall-e-3\",\"prompt\":\"otter\",\"n\":2,\"size\":\"1024x1792\",\"quality\":\"hd\"}";
        UsageRecord r = record(Endpoint.IMAGES_GENERATIONS, request, fixture("/units/images_dall-e-3.json"),
                "application/json", UNITS);
        // 2 × 0.12
        assertThat(r.units().counts().images()).isEqualTo(2);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.24"));
        assertThat(r.model()).isEqualTo("dall-e-3");
        assertThat(r.estimated()).isFalse();
        // the API's default quality (standard) is the bare size's price; a size the table does not price is unpriced
        assertThat(record(Endpoint.IMAGES_GENERATIONS, "{\"model\":\"dall-e-3\",\"size\":\"1024x1024\"}",
                fixture("/units/images_dall-e-3.json"), "application/json", UNITS).costUsd()).isEqualTo(new BigDecimal("0.08"));
        UsageRecord unknown = record(Endpoint.IMAGES_GENERATIONS, "{\"model\":\"dall-e-3\",\"size\":\"640x480\"}",
                fixture("/units/images_dall-e-3.json"), "application/json", UNITS);
        assertThat(unknown.costUsd()).isNull();
        assertThat(unknown.unpriced()).isTrue();
    }

    @Test
    void gptImageIsPricedByTextImageInputAndImageOutputTokens() throws Exception {
        // 50 text × 5 + 50 image × 10 + 4160 image out × 40 = 250 + 500 + 166400 = 167150 per 1M
        UsageRecord r = record(Endpoint.IMAGES_GENERATIONS, "{\"model\":\"gpt-image-1\",\"prompt\":\"otter\"}",
                fixture("/units/images_gpt-image-1.json"), "application/json", UNITS);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.16715"));
        assertThat(r.units().counts()).isEqualTo(new UnitCounts(0, 0, 0, 4160, 0, 1, BigDecimal.ZERO, 0));
    }

    @Test
    void whisperIsPricedByTheSecondFromVerboseJsonAndItsModelComesFromTheForm() throws Exception {
        // 8.470000267028809 s × $0.006 / 60 s
        UsageRecord r = record(Endpoint.AUDIO_TRANSCRIPTIONS, multipart("whisper-1", "verbose_json"),
                fixture("/units/transcription_whisper-1_verbose.json"), "application/json", UNITS);
        assertThat(r.model()).isEqualTo("whisper-1");
        assertThat(r.units().counts().audioSeconds()).isEqualTo(new BigDecimal("8.470000267028809"));
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.0008470000267028809"));
        // plain json has no duration: not priced, never guessed
        UsageRecord plain = record(Endpoint.AUDIO_TRANSCRIPTIONS, multipart("whisper-1", "json"),
                "{\"text\":\"The beach was a popular spot on a hot summer day.\"}".getBytes(StandardCharsets.UTF_8),
                "application/json", UNITS);
        assertThat(plain.costUsd()).isNull();
    }

    @Test
    void gpt4oTranscribeIsPricedByItsUsageTokens() throws Exception {
        // 14 audio in × 6 + 45 out × 10 = 84 + 450 = 534 per 1M
        UsageRecord r = record(Endpoint.AUDIO_TRANSCRIPTIONS, multipart("gpt-4o-transcribe", "json"),
                fixture("/units/transcription_gpt-4o-transcribe.json"), "application/json", UNITS);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.000534"));
        assertThat(r.units().counts().audioInputTokens()).isEqualTo(14);
    }

    @Test
    void speechIsPricedPerThousandCharactersOfItsInput() {
        // 45 characters × $0.015 / 1000; the answer is audio bytes
        String request = "{\"model\":\"tts-1\",\"input\":\"The quick brown fox jumped over the lazy dog.\",\"voice\":\"alloy\"}";
        UsageRecord r = record(Endpoint.AUDIO_SPEECH, request, new byte[] {(byte) 0xFF, (byte) 0xF3, 0x44}, "audio/mpeg",
                UNITS);
        assertThat(r.units().counts().characters()).isEqualTo(45);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.000675"));
    }

    @Test
    void claudeWebSearchesPayAnthropicsFeePerSearch() {
        // hand-written after the web search tool docs' usage shape: server_tool_use.web_search_requests counts searches.
        // claude-sonnet-4-5 (3 / 0.3 / 15, 5-minute write 3.75): 105 × 3 + 7123 × 0.3 + 7345 × 3.75 + 6039 × 15
        // = 315 + 2136.9 + 27543.75 + 90585 = 120580.65 per 1M, plus 2 searches × $10 / 1K
        String request = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":8192,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"news?\"}],\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]}";
        String answer = "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                + "\"content\":[{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_01\",\"name\":\"web_search\","
                + "\"input\":{\"query\":\"news\"}}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":105,"
                + "\"output_tokens\":6039,\"cache_read_input_tokens\":7123,\"cache_creation_input_tokens\":7345,"
                + "\"server_tool_use\":{\"web_search_requests\":2}}}";
        UsageRecord r = record(Endpoint.MESSAGES, request, answer.getBytes(StandardCharsets.UTF_8), "application/json",
                BUILT_IN);
        assertThat(r.units().counts().webSearchCalls()).isEqualTo(2);
        assertThat(r.costUsd()).isEqualTo(new BigDecimal("0.14058065"));
        // streamed: the last message_delta's count, as its token counts
        String stream = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude-sonnet-4-5\","
                + "\"usage\":{\"input_tokens\":105,\"cache_read_input_tokens\":7123,\"cache_creation_input_tokens\":7345,"
                + "\"output_tokens\":1}}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"input_tokens\":105,\"cache_read_input_tokens\":7123,\"cache_creation_input_tokens\":7345,"
                + "\"output_tokens\":6039,\"server_tool_use\":{\"web_search_requests\":2}}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        UsageRecord streamed = record(Endpoint.MESSAGES, request.replace("{\"model\"", "{\"stream\":true,\"model\""),
                stream.getBytes(StandardCharsets.UTF_8), "text/event-stream", BUILT_IN);
        assertThat(streamed.units().counts().webSearchCalls()).isEqualTo(2);
        assertThat(streamed.costUsd()).isEqualTo(new BigDecimal("0.14058065"));
        // a count no API writes is not believed: no search billed
        UsageRecord odd = record(Endpoint.MESSAGES, request, answer.replace("\"web_search_requests\":2",
                "\"web_search_requests\":-3").getBytes(StandardCharsets.UTF_8), "application/json", BUILT_IN);
        assertThat(odd.units().counts().webSearchCalls()).isZero();
        assertThat(odd.costUsd()).isEqualTo(new BigDecimal("0.12058065"));
    }

    @Test
    void moderationsCostNothing() {
        UsageRecord r = record(Endpoint.MODERATIONS, "{\"model\":\"omni-moderation-latest\",\"input\":\"hi\"}",
                "{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":false}]}"
                        .getBytes(StandardCharsets.UTF_8), "application/json", BUILT_IN);
        assertThat(r.costUsd()).isEqualTo(BigDecimal.ZERO);
        assertThat(r.estimated()).isFalse();
        assertThat(r.inputTokens()).isZero();
    }

    private static UsageRecord record(Endpoint endpoint, String request, byte[] answer, String contentType,
                                      PricingTable prices) {
        return record(endpoint, request.getBytes(StandardCharsets.UTF_8), answer, contentType, prices);
    }

    private static UsageRecord record(Endpoint endpoint, byte[] request, byte[] answer, String contentType,
                                      PricingTable prices) {
        RequestInfo req = RequestInfo.parse(endpoint, request);
        MeteredRequest call = new MeteredRequest("storybot", endpoint.path(), req, false, null, Map.of(), CallBudgets.NONE,
                null);
        ResponseMeter m = ResponseMeter.create(endpoint, 200, contentType, false);
        m.onBytes(ByteBuffer.wrap(answer));
        m.onEnd();
        return CallRecorderTest.RECORDER.record(call, m, "req-1", CallRecorderTest.end(Outcome.COMPLETE, 200, true),
                CallRecorderTest.NOW, prices).record();
    }

    /** A transcription upload as openai-python sends it: the text fields, then the file. */
    static byte[] multipart(String model, @Nullable String responseFormat) {
        String b = "----tollgate7MA4YWxkTrZu0gW";
        StringBuilder s = new StringBuilder();
        s.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n").append(model).append("\r\n");
        if (responseFormat != null) {
            s.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\n")
                    .append(responseFormat).append("\r\n");
        }
        s.append("--").append(b).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"speech.mp3\"\r\n")
                .append("Content-Type: audio/mpeg\r\n\r\n").append("ID3\u0004binary-audio-bytes").append("\r\n--").append(b)
                .append("--\r\n");
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] fixture(String resource) throws IOException {
        try (InputStream in = UnitPricingTest.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }

    private static PricingTable unitPrices() {
        try {
            return PricingTable.load(Path.of(UnitPricingTest.class.getResource("/units/prices.yaml").toURI()));
        } catch (URISyntaxException | tollgate.metering.pricing.PricingException e) {
            throw new IllegalStateException(e);
        }
    }
}

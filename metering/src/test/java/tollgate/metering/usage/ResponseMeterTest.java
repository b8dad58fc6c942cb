package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ResponseMeterTest {
    private static final String SSE = "text/event-stream; charset=utf-8";
    private static final String JSON = "application/json";

    /** One recorded answer and what metering must read from it. */
    record Case(String fixture, Endpoint endpoint, int status, String contentType, @Nullable Usage usage,
                @Nullable String model, boolean completed, @Nullable String text, @Nullable String errorCode) {
        boolean isStream() {
            return contentType.startsWith("text/event-stream");
        }

        @Override
        public String toString() {
            return fixture;
        }
    }

    /** What a meter read; equal for every way of cutting the same bytes. */
    record Reading(@Nullable Usage usage, @Nullable String model, @Nullable String errorCode, String text,
                   boolean completed, @Nullable String serviceTier, long webSearchCalls) {
        static Reading of(ResponseMeter meter) {
            return new Reading(meter.usage(), meter.model(), meter.errorCode(), meter.streamedText(),
                    meter.streamCompleted(), meter.serviceTier(), meter.webSearchCalls());
        }
    }

    static Stream<Case> recorded() {
        return Stream.of(
                // the expected texts come from the recording projects' own assertions (README.md) or the *.done events
                new Case("chat_stream_gpt-4o_content.sse", Endpoint.CHAT_COMPLETIONS, 200, SSE,
                        new Usage(14, 0, 30, 0), "gpt-4o-2024-08-06", true,
                        "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, "
                                + "I recommend checking a reliable weather website or a weather app.", null),
                new Case("chat_stream_gpt-4o_tool_call.sse", Endpoint.CHAT_COMPLETIONS, 200, SSE,
                        new Usage(44, 0, 16, 0), "gpt-4o-2024-08-06", true, "{\"city\":\"New York City\"}", null),
                new Case("chat_stream_gpt-4o_refusal.sse", Endpoint.CHAT_COMPLETIONS, 200, SSE,
                        new Usage(79, 0, 11, 0), "gpt-4o-2024-08-06", true,
                        "I'm sorry, I can't assist with that request.", null),
                new Case("chat_stream_gpt-4o_n3.sse", Endpoint.CHAT_COMPLETIONS, 200, SSE,
                        new Usage(79, 0, 42, 0), "gpt-4o-2024-08-06", true, null, null),
                new Case("chat_stream_gpt-4o-mini_usage_null.sse", Endpoint.CHAT_COMPLETIONS, 200, SSE,
                        new Usage(53, 0, 15, 0), "gpt-4o-mini-2024-07-18", true, "{\"country\":\"UK\"}", null),
                new Case("completions_stream_gpt-3.5-turbo-instruct.sse", Endpoint.COMPLETIONS, 200, SSE,
                        new Usage(5, 0, 7, 0), "gpt-3.5-turbo-instruct", true, "This is indeed a test", null),
                new Case("responses_stream_gpt-4o_text.sse", Endpoint.RESPONSES, 200, SSE,
                        new Usage(278, 0, 9, 0), "gpt-4o-2024-08-06", true,
                        doneText("responses_stream_gpt-4o_text.sse", "response.output_text.done", "text"), null),
                new Case("responses_stream_gpt-5_function_call.sse", Endpoint.RESPONSES, 200, SSE,
                        new Usage(53, 0, 469, 448), "gpt-5-2025-08-07", true,
                        doneText("responses_stream_gpt-5_function_call.sse",
                                "response.function_call_arguments.done", "arguments"), null),
                new Case("responses_stream_gpt-5_web_search.sse", Endpoint.RESPONSES, 200, SSE,
                        new Usage(33151, 4352, 3367, 2624), "gpt-5-2025-08-07", true,
                        doneText("responses_stream_gpt-5_web_search.sse", "response.output_text.done", "text"), null),
                new Case("chat_gpt-4o.json", Endpoint.CHAT_COMPLETIONS, 200, JSON,
                        new Usage(14, 0, 37, 0), "gpt-4o-2024-08-06", false, "", null),
                new Case("chat_gpt-5.6-sol_cached.json", Endpoint.CHAT_COMPLETIONS, 200, JSON,
                        new Usage(4020, 4012, 4, 0), "gpt-5.6-sol", false, "", null),
                new Case("completions_gpt-3.5-turbo-instruct.json", Endpoint.COMPLETIONS, 200, JSON,
                        new Usage(5, 0, 7, 0), "gpt-3.5-turbo-instruct", false, "", null),
                new Case("embeddings_text-embedding-3-small.json", Endpoint.EMBEDDINGS, 200, JSON,
                        new Usage(4, 0, 0, 0), "text-embedding-3-small", false, "", null),
                new Case("responses_gpt-4o-mini.json", Endpoint.RESPONSES, 200, JSON,
                        new Usage(14, 0, 50, 0), "gpt-4o-mini-2024-07-18", false, "", null),
                new Case("responses_gpt-5_cached_reasoning.json", Endpoint.RESPONSES, 200, JSON,
                        new Usage(12594, 3200, 1150, 1088), "gpt-5-2025-08-07", false, "", null),
                // SPEC 12: input_tokens_details.cache_write_tokens are cache writes, part of the input
                new Case("responses_gpt-5.6-sol_cache_write.json", Endpoint.RESPONSES, 200, JSON,
                        new Usage(4020, 0, 5, 0, 4012), "gpt-5.6-sol", false, "", null),
                new Case("error_404_model_not_found.json", Endpoint.EMBEDDINGS, 404, "application/json; charset=utf-8",
                        null, null, false, "", "model_not_found"),
                new Case("error_400_code_null.json", Endpoint.CHAT_COMPLETIONS, 400, JSON,
                        null, null, false, "", "invalid_request_error"),
                // Anthropic's Messages API (SPEC 13): input counts cache reads and writes too; text, tool input
                // and thinking are text, a thinking signature is not
                new Case("messages_stream_claude-3-opus_text.sse", Endpoint.MESSAGES, 200, SSE,
                        new Usage(11, 0, 6, 0), "claude-3-opus-latest", true, "Hello there!", null),
                new Case("messages_stream_claude-sonnet-4_tool_use.sse", Endpoint.MESSAGES, 200, SSE,
                        new Usage(377, 0, 65, 0), "claude-sonnet-4-20250514", true,
                        "I'll check the current weather in Paris for you.{\"location\": \"Paris\"}", null),
                new Case("messages_stream_claude-sonnet-4-6_cache_1h.sse", Endpoint.MESSAGES, 200, SSE,
                        new Usage(12207 + 15866, 0, 157, 0, 15866, 0, 0, 0, 0, 15866), "claude-sonnet-4-6", true,
                        "{\"query\": \"select:mcp__plugin_helioy-tools_cm__cx_browse\", \"max_results\": 1}", null));
    }

    static Stream<Case> recordedStreams() {
        return recorded().filter(Case::isStream);
    }

    static Stream<Case> injectableStreams() {
        return recordedStreams().filter(c -> c.endpoint() != Endpoint.RESPONSES && c.endpoint() != Endpoint.MESSAGES);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recorded")
    void readsUsageModelTextAndErrorOfRecordedAnswers(Case c) {
        ResponseMeter meter = ResponseMeter.create(c.endpoint(), c.status(), c.contentType(), false);
        byte[] body = Fixtures.bytes(c.fixture());
        byte[] forwarded = RelaySimulation.run(meter, body, new int[0], false);

        assertThat(meter.usage()).isEqualTo(c.usage());
        assertThat(meter.model()).isEqualTo(c.model());
        assertThat(meter.errorCode()).isEqualTo(c.errorCode());
        assertThat(meter.streamCompleted()).isEqualTo(c.completed());
        assertThat(meter.isStream()).isEqualTo(c.isStream());
        if (c.text() != null) {
            assertThat(meter.streamedText()).isEqualTo(c.text());
        }
        assertThat(meter.unreadableEvents()).isZero();
        assertThat(meter.holdsBack()).isFalse();
        assertThat(forwarded).isEqualTo(body);
    }

    @Test
    void serviceTierIsTheLastOneTheAnswerNames() {
        // the flex call: every lifecycle event says "flex"; the web-search stream echoes "auto" until its
        // response.completed says "default"; chat chunks repeat theirs
        assertThat(tierOf("responses_stream_gpt-5_function_call.sse", Endpoint.RESPONSES, SSE)).isEqualTo("flex");
        assertThat(tierOf("responses_stream_gpt-5_web_search.sse", Endpoint.RESPONSES, SSE)).isEqualTo("default");
        assertThat(tierOf("chat_stream_gpt-4o-mini_usage_null.sse", Endpoint.CHAT_COMPLETIONS, SSE)).isEqualTo("default");
        assertThat(tierOf("responses_gpt-5_cached_reasoning.json", Endpoint.RESPONSES, JSON)).isEqualTo("default");
        assertThat(tierOf("chat_gpt-4o.json", Endpoint.CHAT_COMPLETIONS, JSON)).isNull();
        ResponseMeter json = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        json.onBytes(ByteBuffer.wrap("{\"service_tier\":\"priority\",\"service_tiers\":\"x\",\"model\":\"m\"}"
                .getBytes(StandardCharsets.UTF_8)));
        json.onEnd();
        assertThat(json.serviceTier()).isEqualTo("priority");
    }

    @Test
    void unitsOfJsonAnswersReadTheSameWhereverTheBodyIsCut() throws IOException {
        // two web_search_call items in the recorded Responses answer; a transcription's duration; images' data items
        assertCutInvariant("responses_gpt-5_cached_reasoning.json", Endpoint.RESPONSES, m -> m.webSearchCalls(), 2L);
        byte[] whisper = ("{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":8.470000267028809,"
                + "\"text\":\"The beach.\",\"segments\":[{\"id\":0,\"type\":\"web_search_call\"}]}").getBytes(StandardCharsets.UTF_8);
        assertCutInvariant(whisper, Endpoint.AUDIO_TRANSCRIPTIONS, ResponseMeter::audioSeconds,
                new java.math.BigDecimal("8.470000267028809"));
        byte[] images = "{\"created\":1,\"data\":[{\"url\":\"a{\"},{\"b64_json\":\"[{\"}],\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}"
                .getBytes(StandardCharsets.UTF_8);
        assertCutInvariant(images, Endpoint.IMAGES_GENERATIONS, ResponseMeter::images, 2L);
        // the same data array elsewhere is no image
        ResponseMeter embeddings = ResponseMeter.create(Endpoint.EMBEDDINGS, 200, JSON, false);
        embeddings.onBytes(ByteBuffer.wrap(images));
        assertThat(embeddings.images()).isZero();
    }

    @Test
    void theUploadedFilesLengthCountsWhenTheAnswerGivesNoneAndTheCallSucceeded() {
        java.math.BigDecimal uploaded = new java.math.BigDecimal("1.584");
        ResponseMeter text = transcription(200, "text/plain; charset=utf-8", "The beach.\n", uploaded);
        assertThat(text.audioSeconds()).isEqualByComparingTo("1.584");
        // verbose_json's duration wins over the container's
        ResponseMeter verbose = transcription(200, JSON, "{\"task\":\"transcribe\",\"duration\":8.47,\"text\":\"x\"}",
                uploaded);
        assertThat(verbose.audioSeconds()).isEqualByComparingTo("8.47");
        // a refused upload bills nothing, whatever its file's length; nor does another endpoint
        assertThat(transcription(400, JSON, "{\"error\":{\"message\":\"bad\"}}", uploaded).audioSeconds()).isNull();
        ResponseMeter chat = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        chat.uploadedAudioSeconds(uploaded);
        assertThat(chat.audioSeconds()).isNull();
    }

    @Test
    void aTranscriptionsUsageSecondsAreWhatItBills() {
        java.math.BigDecimal uploaded = new java.math.BigDecimal("1.584");
        // whisper-1 with response_format json (API reference, createTranscription: usage of type duration)
        byte[] json = "{\"text\":\"The beach.\",\"usage\":{\"type\":\"duration\",\"seconds\":9}}"
                .getBytes(StandardCharsets.UTF_8);
        assertCutInvariant(json, Endpoint.AUDIO_TRANSCRIPTIONS, ResponseMeter::audioSeconds,
                new java.math.BigDecimal("9"));
        assertThat(transcription(200, JSON, new String(json, StandardCharsets.UTF_8), uploaded).audioSeconds())
                .isEqualByComparingTo("9");
        // verbose_json gives both: the usage is what was billed
        assertThat(transcription(200, JSON, "{\"task\":\"transcribe\",\"duration\":8.47,\"text\":\"x\","
                + "\"usage\":{\"type\":\"duration\",\"seconds\":9}}", uploaded).audioSeconds())
                .isEqualByComparingTo("9");
        // gpt-4o-transcribe bills tokens (API reference's example answer): no seconds from its usage, the upload's
        ResponseMeter tokens = transcription(200, JSON, "{\"text\":\"Imagine\",\"usage\":{\"type\":\"tokens\","
                + "\"input_tokens\":14,\"input_token_details\":{\"text_tokens\":0,\"audio_tokens\":14},"
                + "\"output_tokens\":45,\"total_tokens\":59}}", uploaded);
        assertThat(tokens.usage()).isNotNull();
        assertThat(tokens.usage().audioInputTokens()).isEqualTo(14);
        assertThat(tokens.audioSeconds()).isEqualByComparingTo("1.584");
        // seconds that are not a non-negative number are not believed
        assertThat(transcription(200, JSON, "{\"text\":\"x\",\"usage\":{\"type\":\"duration\",\"seconds\":-3}}",
                uploaded).audioSeconds()).isEqualByComparingTo("1.584");
        assertThat(transcription(200, JSON, "{\"text\":\"x\",\"usage\":{\"type\":\"duration\",\"seconds\":\"9\"}}",
                uploaded).audioSeconds()).isEqualByComparingTo("1.584");
    }

    private static ResponseMeter transcription(int status, String type, String body, java.math.BigDecimal uploaded) {
        ResponseMeter m = ResponseMeter.create(Endpoint.AUDIO_TRANSCRIPTIONS, status, type, false);
        m.onBytes(ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)));
        m.onEnd();
        m.uploadedAudioSeconds(uploaded);
        return m;
    }

    private static void assertCutInvariant(String fixture, Endpoint endpoint,
                                           java.util.function.Function<ResponseMeter, Object> read, Object expected) {
        assertCutInvariant(Fixtures.bytes(fixture), endpoint, read, expected);
    }

    private static void assertCutInvariant(byte[] body, Endpoint endpoint,
                                           java.util.function.Function<ResponseMeter, Object> read, Object expected) {
        for (int cut = 0; cut <= body.length; cut += body.length > 4096 ? 7 : 1) {
            ResponseMeter m = ResponseMeter.create(endpoint, 200, JSON, false);
            m.onBytes(ByteBuffer.wrap(body, 0, cut));
            m.onBytes(ByteBuffer.wrap(body, cut, body.length - cut));
            m.onEnd();
            assertThat(read.apply(m)).as("cut at %d", cut).isEqualTo(expected);
        }
    }

    private static @Nullable String tierOf(String fixture, Endpoint endpoint, String contentType) {
        ResponseMeter meter = ResponseMeter.create(endpoint, 200, contentType, false);
        RelaySimulation.run(meter, Fixtures.bytes(fixture), new int[0], false);
        return meter.serviceTier();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recorded")
    void readsTheSameWhereverTheBodyIsCut(Case c) {
        byte[] body = Fixtures.bytes(c.fixture());
        Reading whole = read(c, body, new int[0], false);
        assertThat(read(c, body, everyByte(body.length), false)).as("one byte at a time").isEqualTo(whole);
        if (body.length <= 16 * 1024) {
            assertThat(read(c, body, everyByte(body.length), true)).as("one byte at a time, direct").isEqualTo(whole);
            for (int cut = 1; cut < body.length; cut++) {
                assertThat(read(c, body, new int[] {cut}, false)).as("cut at %d", cut).isEqualTo(whole);
            }
        }
        Random random = new Random(7);
        for (int run = 0; run < 100; run++) {
            int[] cuts = randomCuts(random, body.length);
            assertThat(read(c, body, cuts, run % 2 == 0)).as("cuts %s", Arrays.toString(cuts)).isEqualTo(whole);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recordedStreams")
    void readsCrlfAndCrStreamsLikeLfStreams(Case c) {
        byte[] lf = Fixtures.bytes(c.fixture());
        Reading expected = read(c, lf, new int[0], false);
        for (String eol : List.of("\r\n", "\r")) {
            byte[] body = Fixtures.withLineEnds(lf, eol);
            assertThat(read(c, body, new int[0], false)).isEqualTo(expected);
            assertThat(read(c, body, everyByte(body.length), false)).isEqualTo(expected);
            Random random = new Random(11);
            for (int run = 0; run < 30; run++) {
                assertThat(read(c, body, randomCuts(random, body.length), run % 2 == 1)).isEqualTo(expected);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("injectableStreams")
    void removesExactlyTheInjectedUsageChunkWhereverTheStreamIsCut(Case c) {
        byte[] lf = Fixtures.bytes(c.fixture());
        byte[] lfWithout = Fixtures.withoutUsageChunk(lf);
        assertThat(lfWithout.length).isLessThan(lf.length);
        for (String eol : List.of("\n", "\r\n", "\r")) {
            byte[] body = Fixtures.withLineEnds(lf, eol);
            byte[] expected = Fixtures.withLineEnds(lfWithout, eol);
            List<int[]> cutsList = new ArrayList<>(List.of(new int[0], everyByte(body.length)));
            Random random = new Random(3);
            for (int run = 0; run < 40; run++) {
                cutsList.add(randomCuts(random, body.length));
            }
            if (c.fixture().equals("chat_stream_gpt-4o_tool_call.sse")) {
                for (int cut = 1; cut < body.length; cut++) {
                    cutsList.add(new int[] {cut});
                }
            }
            for (int[] cuts : cutsList) {
                ResponseMeter meter = ResponseMeter.create(c.endpoint(), 200, SSE, true);
                assertThat(meter.holdsBack()).isTrue();
                byte[] forwarded = RelaySimulation.run(meter, body, cuts, cuts.length % 2 == 1);
                assertThat(new String(forwarded, StandardCharsets.UTF_8))
                        .as("eol %s, cuts %s", eol.replace("\r", "CR").replace("\n", "LF"), Arrays.toString(cuts))
                        .isEqualTo(new String(expected, StandardCharsets.UTF_8));
                assertThat(meter.usage()).isEqualTo(c.usage());
                assertThat(meter.streamCompleted()).isTrue();
            }
        }
    }

    /** A direct buffer is scanned a window (8 KiB) at a time: values that straddle windows are read whole. */
    @Test
    void valuesStraddlingTheScansWindowsOfOneDirectBufferAreReadWhole() {
        for (int pad = 8_100; pad < 8_300; pad += 7) {
            String body = "{\"id\":\"" + "x".repeat(pad) + "\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"a\":\""
                    + "y".repeat(8_170) + "\"}],\"usage\":{\"prompt_tokens\":79,\"completion_tokens\":42,"
                    + "\"total_tokens\":121}}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
            RelaySimulation.run(meter, bytes, new int[0], true);
            assertThat(meter.model()).as("pad %d", pad).isEqualTo("gpt-4o-2024-08-06");
            assertThat(meter.usage()).as("pad %d", pad).isEqualTo(new Usage(79, 0, 42, 0));
        }
    }

    @Test
    void streamWithoutUsageChunkHasNoUsageButKeepsItsText() {
        byte[] body = Fixtures.withoutUsageChunk(Fixtures.bytes("chat_stream_gpt-4o_content.sse"));
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        RelaySimulation.run(meter, body, everyByte(body.length), false);
        assertThat(meter.usage()).isNull();
        assertThat(meter.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(meter.streamCompleted()).isTrue();
        assertThat(meter.streamedText()).startsWith("I'm unable to provide real-time weather updates.");
    }

    @Test
    void chunksWithUsageNullAreNotUsage() {
        String stream = Fixtures.text("chat_stream_gpt-4o-mini_usage_null.sse");
        assertThat(stream).contains("\"usage\":null");
        String beforeUsageChunk = stream.substring(0, stream.indexOf("data: {", stream.indexOf("\"finish_reason\":\"tool_calls\"")));
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, true);
        meter.onBytes(ByteBuffer.wrap(beforeUsageChunk.getBytes(StandardCharsets.UTF_8)));
        assertThat(meter.usage()).isNull();
        assertThat(meter.takeDroppedRanges()).isEmpty();
        assertThat(meter.releasableOffset()).isEqualTo(beforeUsageChunk.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void cutStreamIsNotCompletedAndKeepsTheTextSoFar() {
        String stream = Fixtures.text("responses_stream_gpt-4o_text.sse");
        byte[] cut = stream.substring(0, stream.indexOf("event: response.output_text.done")).getBytes(StandardCharsets.UTF_8);
        ResponseMeter meter = ResponseMeter.create(Endpoint.RESPONSES, 200, SSE, false);
        RelaySimulation.run(meter, cut, new int[] {100, 1000}, false);
        assertThat(meter.streamCompleted()).isFalse();
        assertThat(meter.usage()).isNull();
        assertThat(meter.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(meter.streamedText()).isEqualTo("The capital of France is Paris.");
    }

    @Test
    void holdsBackOnlyInjectedChatAndCompletionsStreams() {
        assertThat(ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, true).holdsBack()).isTrue();
        assertThat(ResponseMeter.create(Endpoint.COMPLETIONS, 200, "TEXT/EVENT-STREAM", true).holdsBack()).isTrue();
        assertThat(ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false).holdsBack()).isFalse();
        assertThat(ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 400, JSON, true).holdsBack()).isFalse();
        assertThat(ResponseMeter.create(Endpoint.RESPONSES, 200, SSE, true).holdsBack()).isFalse();
    }

    @Test
    void releasableOffsetStopsAtTheStartOfAnUnfinishedEvent() {
        byte[] body = Fixtures.bytes("chat_stream_gpt-4o_tool_call.sse");
        String s = new String(body, StandardCharsets.UTF_8);
        int secondEvent = s.indexOf("data: ", 1);
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, true);
        meter.onBytes(ByteBuffer.wrap(body, 0, secondEvent + 20));
        assertThat(meter.releasableOffset()).isEqualTo(secondEvent);
        meter.onBytes(ByteBuffer.wrap(body, secondEvent + 20, body.length - secondEvent - 20));
        meter.onEnd();
        assertThat(meter.releasableOffset()).isEqualTo(body.length);
    }

    @Test
    void dropsOnlyTheFirstUsageOnlyChunk() {
        // synthetic: a second usage-only chunk is not what the injection caused, so the client gets it
        String usageChunk = "data: {\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n";
        String stream = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n" + usageChunk + usageChunk
                + "data: [DONE]\n\n";
        byte[] body = stream.getBytes(StandardCharsets.UTF_8);
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, true);
        byte[] forwarded = RelaySimulation.run(meter, body, new int[0], false);
        assertThat(new String(forwarded, StandardCharsets.UTF_8)).isEqualTo(stream.replaceFirst("(?s)data: \\{\"model\":\"m\",\"choices\":\\[\\].*?\n\n", ""));
        assertThat(meter.usage()).isEqualTo(new Usage(1, 0, 2, 0));
    }

    @Test
    void midStreamErrorChunkGivesItsCode() {
        // synthetic, in the OpenAI error shape the API uses for errors inside a Chat Completions stream
        String stream = "data: {\"model\":\"gpt-4o\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n"
                + "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        RelaySimulation.run(meter, stream.getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(meter.errorCode()).isEqualTo("server_error");
        assertThat(meter.streamCompleted()).isFalse();
        assertThat(meter.streamedText()).isEqualTo("Hel");
    }

    @Test
    void failedResponseCompletesTheStreamWithItsErrorAndUsage() {
        // synthetic response.failed, shaped as the Responses API reference documents it
        String stream = "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"model\":\"o3\",\"status\":\"failed\","
                + "\"error\":{\"code\":\"server_error\",\"message\":\"x\"},\"usage\":{\"input_tokens\":10,\"output_tokens\":3,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":2}}}}\n\n";
        ResponseMeter meter = ResponseMeter.create(Endpoint.RESPONSES, 200, SSE, false);
        RelaySimulation.run(meter, stream.getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(meter.errorCode()).isEqualTo("server_error");
        assertThat(meter.streamCompleted()).isTrue();
        assertThat(meter.usage()).isEqualTo(new Usage(10, 0, 3, 2));
        assertThat(meter.model()).isEqualTo("o3");
    }

    @Test
    void cutJsonBodyKeepsWhatCameBeforeTheCut() {
        String body = Fixtures.text("chat_gpt-4o.json");
        byte[] cut = body.substring(0, body.indexOf("\"completion_tokens\"")).getBytes(StandardCharsets.UTF_8);
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        RelaySimulation.run(meter, cut, new int[] {10}, false);
        assertThat(meter.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(meter.usage()).isNull();
    }

    @Test
    void bodiesThatAreNotJsonOrStreamsAreNotRead() {
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 502, "text/html",  false);
        RelaySimulation.run(meter, "<html>{\"model\":\"x\"}</html>".getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(meter.model()).isNull();
        assertThat(meter.errorCode()).isNull();
        ResponseMeter garbage = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 500, null, false);
        RelaySimulation.run(garbage, "not json {".getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(garbage.model()).isNull();
        assertThat(garbage.usage()).isNull();
    }

    @Test
    void streamedTextCoversEveryKindOfGeneratedText() {
        // synthetic chunks, one per field the estimator must count; ids and other fields left out
        String stream = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"a\"}}],\"usage\":null}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"refusal\":\"b\"}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"c\"}},"
                + "{\"index\":1,\"function\":{\"arguments\":\"d\"}}]}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"function_call\":{\"arguments\":\"e\"}}}]}\n\n"
                + "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"f\"}}]}\n\n"
                + "data: {\"choices\":[{\"text\":\"g\",\"index\":0}]}\n\n"
                + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"h\"}\n\n"
                + "data: {\"type\":\"response.refusal.delta\",\"delta\":\"i\"}\n\n"
                + "data: {\"type\":\"response.function_call_arguments.delta\",\"delta\":\"j\"}\n\n"
                + "data: {\"type\":\"response.custom_tool_call_input.delta\",\"delta\":\"k\"}\n\n"
                + "data: {\"type\":\"response.output_text.done\",\"text\":\"not again\"}\n\n"
                + "data: not json\n\n";
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        RelaySimulation.run(meter, stream.getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(meter.streamedText()).isEqualTo("abcdefghijk");
        assertThat(meter.unreadableEvents()).isEqualTo(1);
        assertThat(meter.usage()).isNull();
        assertThat(meter.streamCompleted()).isFalse();
    }

    @Test
    void streamedTextStopsGrowingAtItsCap() {
        String piece = "a".repeat(1 << 20);
        StringBuilder stream = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            stream.append("data: {\"choices\":[{\"delta\":{\"content\":\"").append(piece).append("\"}}]}\n\n");
        }
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        meter.onBytes(ByteBuffer.wrap(stream.toString().getBytes(StandardCharsets.UTF_8)));
        meter.onEnd();
        assertThat(meter.streamedText()).hasSize(StreamEventReader.MAX_TEXT_CHARS);
        assertThat(meter.streamedTextTruncated()).isTrue();
    }

    @Test
    void jsonAnswerReadsOnlyTopLevelFieldsWhateverTheContentHolds() {
        // strings holding quotes, brackets and escapes, nested usage/model/error keys that are not the answer's
        String body = "\uFEFF {\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"a \\\"}]{[\\\\\",\"model\":\"nested\","
                + "\"usage\":{\"prompt_tokens\":999}}, \"error\":{\"code\":\"nope\"}}],\"n\":-1.5e3,\"ok\":true,\"none\":null,"
                + "\"model\" : \"gpt-4o\\u002dmini\",\"models\":\"no\",\"usage\" : {\"prompt_tokens\":7,\"completion_tokens\":2,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":3}},\"tail\":[\"}\"]} {\"model\":\"second value\"}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= bytes.length; cut++) {
            for (boolean direct : new boolean[] {false, true}) {
                ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
                RelaySimulation.run(meter, bytes, cut == 0 ? everyByte(bytes.length) : new int[] {cut}, direct);
                assertThat(meter.model()).as("cut %d", cut).isEqualTo("gpt-4o-mini");
                assertThat(meter.usage()).as("cut %d", cut).isEqualTo(new Usage(7, 3, 2, 0));
                assertThat(meter.errorCode()).as("cut %d", cut).isNull();
            }
        }
    }

    @Test
    void jsonAnswerErrorAndLastUsageWin() {
        String body = "{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1},\"error\":{\"type\":\"server_error\",\"code\":null},"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6}}";
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 500, JSON, false);
        RelaySimulation.run(meter, body.getBytes(StandardCharsets.UTF_8), new int[] {3, 40}, false);
        assertThat(meter.usage()).isEqualTo(new Usage(5, 0, 6, 0));
        assertThat(meter.errorCode()).isEqualTo("server_error");
    }

    @Test
    void jsonAnswerThatStopsFollowingTheGrammarKeepsWhatCameBefore() {
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        RelaySimulation.run(meter, "{\"model\":\"m\" \"usage\":{\"prompt_tokens\":1}}".getBytes(StandardCharsets.UTF_8),
                new int[0], false);
        assertThat(meter.model()).isEqualTo("m");
        assertThat(meter.usage()).isNull();
        ResponseMeter array = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        RelaySimulation.run(array, "[{\"model\":\"m\"}]".getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(array.model()).isNull();
    }

    @Test
    void modelsAreCutAt128Characters() {
        String longModel = "m".repeat(200);
        ResponseMeter json = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        RelaySimulation.run(json, ("{\"model\":\"" + longModel + "\"}").getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(json.model()).isEqualTo("m".repeat(128));
        ResponseMeter sse = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        String chunk = "data: {\"model\":\"" + longModel + "\",\"choices\":[]}\n\n";
        RelaySimulation.run(sse, (chunk + chunk).getBytes(StandardCharsets.UTF_8), new int[0], false);
        assertThat(sse.model()).isEqualTo("m".repeat(128));
    }

    @Test
    void largeJsonAnswerIsReadWithoutItsContent() {
        String content = "lorem \\\"ipsum\\\" {[ ".repeat(60_000);
        byte[] body = ("{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"" + content + "\"}}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":300000}}").getBytes(StandardCharsets.UTF_8);
        ResponseMeter meter = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, JSON, false);
        RelaySimulation.run(meter, body, new int[] {65536, 131072, 700000}, true);
        assertThat(meter.usage()).isEqualTo(new Usage(10, 0, 300000, 0));
        assertThat(meter.model()).isEqualTo("gpt-4o");
    }

    private static Reading read(Case c, byte[] body, int[] cuts, boolean direct) {
        ResponseMeter meter = ResponseMeter.create(c.endpoint(), c.status(), c.contentType(), false);
        byte[] forwarded = RelaySimulation.run(meter, body, cuts, direct);
        assertThat(forwarded).isEqualTo(body);
        return Reading.of(meter);
    }

    private static String doneText(String fixture, String type, String field) {
        ObjectMapper mapper = new ObjectMapper();
        StringBuilder text = new StringBuilder();
        for (String line : Fixtures.text(fixture).split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            try {
                JsonNode event = mapper.readTree(line.substring(6));
                if (type.equals(event.path("type").asText())) {
                    text.append(event.path(field).asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(text).isNotEmpty();
        return text.toString();
    }

    static int[] everyByte(int length) {
        int[] cuts = new int[Math.max(0, length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    static int[] randomCuts(Random random, int length) {
        List<Integer> cuts = new ArrayList<>();
        for (int at = 1 + random.nextInt(64); at < length; at += 1 + random.nextInt(random.nextBoolean() ? 4 : 2000)) {
            cuts.add(at);
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }
}

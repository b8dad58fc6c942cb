package tollgate.proxy.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.audio.AudioModel;
import com.openai.models.audio.AudioResponseFormat;
import com.openai.models.audio.transcriptions.TranscriptionCreateParams;
import com.openai.models.audio.transcriptions.TranscriptionCreateResponse;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.embeddings.EmbeddingModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;

/** The official openai-java SDK, pointed at tollgate, talks to a mock upstream through it. */
class OpenAiSdkTest {
    // shape of a real gpt-4o-mini answer (OpenAI API reference, "Create chat completion" example)
    static final String CHAT = """
            {"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,
             "model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant",
             "content":"Hello! How can I assist you today?","refusal":null,"annotations":[]},"logprobs":null,
             "finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
             "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":
             {"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
             "service_tier":"default","system_fingerprint":"fp_06737a9306"}""";

    static final String STREAM = ""
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" there\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_06737a9306\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n"
            + "data: [DONE]\n\n";

    static final String EMBEDDING = """
            {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.0023064255,-0.009327292,-0.0028842222]}],
             "model":"text-embedding-3-small","usage":{"prompt_tokens":8,"total_tokens":8}}""";

    @TempDir
    Path dir;

    MockWebServer upstream;
    TestTollgate tollgate;
    OpenAIClient client;

    @BeforeEach
    void start() throws Exception {
        upstream = new MockWebServer();
        upstream.start();
        tollgate = TestTollgate.start(upstream.url("/").toString(), dir, "{}");
        client = OpenAIOkHttpClient.builder().apiKey("sk-test-not-a-real-key").baseUrl(tollgate.base() + "/v1").maxRetries(0).build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        tollgate.close();
        upstream.close();
    }

    @Test
    void chatCompletionThroughTollgate() throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(CHAT).build());
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(ChatModel.GPT_4O_MINI).addUserMessage("Hello!").build());
        assertThat(c.choices().get(0).message().content()).hasValue("Hello! How can I assist you today?");
        assertThat(c.usage().get().promptTokens()).isEqualTo(19);
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getTarget()).isEqualTo("/v1/chat/completions");
        assertThat(rec.getHeaders().get("Authorization")).isEqualTo("Bearer sk-test-not-a-real-key");
    }

    @Test
    void streamedChatCompletionThroughTollgate() throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/event-stream").body(STREAM).build());
        String text;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model(ChatModel.GPT_4O_MINI).addUserMessage("Say hello").build())) {
            List<ChatCompletionChunk> chunks = s.stream().collect(Collectors.toList());
            text = chunks.stream().flatMap(ch -> ch.choices().stream())
                    .map(ch -> ch.delta().content().orElse("")).collect(Collectors.joining());
        }
        assertThat(text).isEqualTo("Hello there");
    }

    @Test
    void embeddingsThroughTollgate() throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(EMBEDDING).build());
        CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                .model(EmbeddingModel.TEXT_EMBEDDING_3_SMALL).input("The food was delicious").build());
        assertThat(r.data().get(0).embedding()).hasSize(3);
        assertThat(r.usage().promptTokens()).isEqualTo(8);
    }

    @Test
    void audioTranscriptionUploadThroughTollgate() throws Exception {
        // whisper-1's verbose_json answer (the shape of metering's units/transcription_whisper-1_verbose.json)
        String verbose = "{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":8.470000267028809,"
                + "\"text\":\"The beach was a popular spot on a hot summer day.\",\"segments\":[]}";
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "application/json").body(verbose).build());
        // larger than the 64 KiB a streamed upload is admitted on: it is forwarded chunk by chunk
        byte[] audio = new byte[300 * 1024];
        new Random(7).nextBytes(audio);
        Path file = dir.resolve("speech.mp3");
        Files.write(file, audio);

        TranscriptionCreateResponse r = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
                .file(file).model(AudioModel.WHISPER_1).responseFormat(AudioResponseFormat.VERBOSE_JSON).build());

        String text = r.isVerbose() ? r.asVerbose().text() : r.asTranscription().text();
        assertThat(text).isEqualTo("The beach was a popular spot on a hot summer day.");
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(rec.getTarget()).isEqualTo("/v1/audio/transcriptions");
        assertThat(rec.getHeaders().get("Content-Type")).startsWith("multipart/form-data");
        byte[] body = rec.getBody().toByteArray();
        assertThat(indexOf(body, audio)).as("the file, byte for byte, in the forwarded form").isPositive();
        JsonNode record = new ObjectMapper().readTree(tollgate.awaitRecords(1).get(0));
        assertThat(record.get("endpoint").asText()).isEqualTo("/v1/audio/transcriptions");
        assertThat(record.get("status").asInt()).isEqualTo(200);
        assertThat(record.get("audio_seconds").decimalValue()).isEqualByComparingTo("8.470000267028809");
    }

    @Test
    void aTranscriptionAskedForAsPlainTextIsPricedFromTheLengthOfItsFile() throws Exception {
        // the answer of response_format=text is the transcript alone: no duration, no usage
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/plain; charset=utf-8")
                .body("The beach was a popular spot on a hot summer day.\n").build());
        // made by ffmpeg/libmp3lame (metering/src/test/resources/tollgate/metering/audio/README.md): an Info frame
        // counting 44 frames of 576 samples at 16 kHz, 1.584 s
        Path file = dir.resolve("speech.mp3");
        Files.write(file, AnthropicSdkTest.resourceBytes("metering/src/test/resources/tollgate/metering/audio/tone-cbr-info.mp3"));

        TranscriptionCreateResponse r = client.audio().transcriptions().create(TranscriptionCreateParams.builder()
                .file(file).model(AudioModel.WHISPER_1).responseFormat(AudioResponseFormat.TEXT).build());

        assertThat(r.asTranscription().text()).isEqualTo("The beach was a popular spot on a hot summer day.\n");
        RecordedRequest rec = upstream.takeRequest(5, TimeUnit.SECONDS);
        assertThat(new String(rec.getBody().toByteArray(), java.nio.charset.StandardCharsets.ISO_8859_1))
                .containsPattern("name=\"response_format\"\r\n([^\r]+\r\n)*\r\ntext\r\n");
        JsonNode record = new ObjectMapper().readTree(tollgate.awaitRecords(1).get(0));
        assertThat(record.get("model").asText()).isEqualTo("whisper-1");
        assertThat(record.get("audio_seconds").decimalValue()).isEqualByComparingTo("1.584");
        // 1.584 s × $0.006 / 60 s
        assertThat(record.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0001584");
    }

    @Test
    void aModelSentAfterALargeFileStillPricesThePlainTextTranscription() throws Exception {
        upstream.enqueue(new MockResponse.Builder().addHeader("Content-Type", "text/plain; charset=utf-8")
                .body("Hello.\n").build());
        // lame's 44 frames without any tag, 16 times over (frames end to end are an MP3 too): 704 frames of 576
        // samples at 16 kHz, 25.344 s in 76,032 bytes, past the 64 KiB an upload is admitted on; openai-java sends
        // the file before the model
        byte[] once = AnthropicSdkTest.resourceBytes("metering/src/test/resources/tollgate/metering/audio/tone-cbr-notag.mp3");
        byte[] audio = new byte[once.length * 16];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(once, 0, audio, i * once.length, once.length);
        }
        Path file = dir.resolve("long.mp3");
        Files.write(file, audio);

        TranscriptionCreateResponse r = client.audio().transcriptions().create(TranscriptionCreateParams.builder().file(file).model(AudioModel.WHISPER_1)
                        .responseFormat(AudioResponseFormat.TEXT).build());

        assertThat(r.asTranscription().text()).isEqualTo("Hello.\n");
        byte[] sent = upstream.takeRequest(5, TimeUnit.SECONDS).getBody().toByteArray();
        assertThat(indexOf(sent, "name=\"model\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .as("the model after the file").isGreaterThan(indexOf(sent, audio));
        JsonNode record = new ObjectMapper().readTree(tollgate.awaitRecords(1).get(0));
        assertThat(record.get("model").asText()).isEqualTo("whisper-1");
        assertThat(record.get("audio_seconds").decimalValue()).isEqualByComparingTo("25.344");
        // 25.344 s × $0.006 / 60 s
        assertThat(record.get("cost_usd").decimalValue()).isEqualByComparingTo("0.0025344");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

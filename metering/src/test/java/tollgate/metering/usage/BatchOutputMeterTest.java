package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Batch API output file metered line by line as its bytes pass (batch_output_openai_docs.jsonl: the OpenAI API
 * reference's and Batch guide's examples, origins in fixtures/README.md), whatever the chunks.
 */
class BatchOutputMeterTest {
    private static final byte[] OUTPUT = Fixtures.bytes("batch_output_openai_docs.jsonl");
    /** What the three lines say: custom_id, request id, model, input, output tokens. */
    private static final List<String> EXPECTED = List.of(
            "request-2 req_c187b3 /v1/chat/completions gpt-4o-mini 24 15 batch",
            "request-2 req_123 /v1/chat/completions gpt-3.5-turbo-0125 22 2 batch",
            "request-1 req_789 /v1/chat/completions gpt-3.5-turbo-0125 20 9 batch");

    @Test
    void everyLineIsOneResultWhereverTheFileIsCut() {
        for (int cut = 0; cut <= OUTPUT.length; cut++) {
            assertThat(read(OUTPUT, cut, cut)).as("cut at %d", cut).isEqualTo(EXPECTED);
        }
        // two cuts, lines split across three chunks (one of them inside the body, one inside a line end)
        for (int a = 0; a <= OUTPUT.length; a += 13) {
            for (int b = a; b <= OUTPUT.length; b += 29) {
                assertThat(read(OUTPUT, a, b)).as("cuts at %d, %d", a, b).isEqualTo(EXPECTED);
            }
        }
        // a byte at a time
        List<String> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> seen.add(describe(r)));
        for (int i = 0; i < OUTPUT.length; i++) {
            m.onBytes(ByteBuffer.wrap(OUTPUT, i, 1));
        }
        m.onEnd();
        assertThat(seen).isEqualTo(EXPECTED);
    }

    @Test
    void resultsLeaveTheMeterAsTheirLinesEndNotWhenTheFileDoes() {
        List<String> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> seen.add(describe(r)));
        int firstLineEnd = indexOf(OUTPUT, (byte) '\n', 0);
        m.onBytes(ByteBuffer.wrap(OUTPUT, 0, firstLineEnd));
        assertThat(seen).isEmpty();
        m.onBytes(ByteBuffer.wrap(OUTPUT, firstLineEnd, 1));
        assertThat(seen).containsExactly(EXPECTED.get(0));
    }

    @Test
    void crlfLineEndsBlankLinesAndALastLineWithoutItsNewlineAreRead() {
        String text = new String(OUTPUT, StandardCharsets.UTF_8).strip().replace("\n", "\r\n\r\n   \r\n");
        assertThat(read(text.getBytes(StandardCharsets.UTF_8), 0, 0)).isEqualTo(EXPECTED);
    }

    @Test
    void aLineThatIsNotAResultIsSkippedAndCountedAndTheRestIsStillRead() {
        String text = new String(OUTPUT, StandardCharsets.UTF_8);
        int second = text.indexOf('\n') + 1;
        byte[] broken = (text.substring(0, second) + "{\"id\": \"batch_req_x\", \"custom_id\": \"cut-off\", \"resp\n"
                + "not json at all\n" + text.substring(second)).getBytes(StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> seen.add(describe(r)));
        m.onBytes(ByteBuffer.wrap(broken));
        m.onEnd();
        assertThat(seen).isEqualTo(EXPECTED);
        assertThat(m.unparsedLines()).isEqualTo(2);
    }

    @Test
    void aLineLongerThanTheCapIsCountedAndItsBytesAreNotHeld() {
        String text = new String(OUTPUT, StandardCharsets.UTF_8);
        int second = text.indexOf('\n') + 1;
        String huge = "{\"id\": \"batch_req_big\", \"custom_id\": \"big\", \"response\": {\"status_code\": 200, \"body\": "
                + "{\"object\": \"chat.completion\", \"content\": \"" + "x".repeat(100_000) + "\"}}, \"error\": null}\n";
        byte[] file = (text.substring(0, second) + huge + text.substring(second)).getBytes(StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> seen.add(describe(r)), 4096);
        int max = 0;
        for (int i = 0; i < file.length; i += 1000) {
            m.onBytes(ByteBuffer.wrap(file, i, Math.min(1000, file.length - i)));
            max = Math.max(max, m.heldBytes());
        }
        m.onEnd();
        assertThat(seen).isEqualTo(EXPECTED);
        assertThat(m.unparsedLines()).isEqualTo(1);
        assertThat(max).isLessThanOrEqualTo(4096);
    }

    @Test
    void anUploadedInputFileOrAnyOtherFileMakesNoResults() {
        byte[] input = ("{\"custom_id\": \"request-1\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\": "
                + "{\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello world!\"}]}}\n"
                + new String(OUTPUT, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
        BatchOutputMeter m = new BatchOutputMeter(r -> { throw new AssertionError("a result of an input file"); });
        m.onBytes(ByteBuffer.wrap(input));
        m.onEnd();
        assertThat(m.notBatchOutput()).isTrue();
        assertThat(m.results()).isZero();
        assertThat(m.unparsedLines()).isZero();
        // a binary file: its first "line" is no JSON; nothing more of it is held
        byte[] binary = new byte[300_000];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) (i * 31 + 7);
        }
        BatchOutputMeter b = new BatchOutputMeter(r -> { throw new AssertionError("a result of a binary file"); });
        b.onBytes(ByteBuffer.wrap(binary));
        b.onEnd();
        assertThat(b.results()).isZero();
        assertThat(b.heldBytes()).isZero();
    }

    @Test
    void anErrorFilesLinesRanNothingAndMakeNoResults() {
        BatchOutputMeter m = new BatchOutputMeter(r -> { throw new AssertionError("an expired request billed"); });
        m.onBytes(ByteBuffer.wrap(Fixtures.bytes("batch_errors_openai_docs.jsonl")));
        m.onEnd();
        assertThat(m.results()).isZero();
        assertThat(m.unparsedLines()).isZero();
        assertThat(m.notBatchOutput()).isFalse();
    }

    @Test
    void aFailedRequestsLineKeepsItsStatusAndErrorAndAResultWithoutUsageIsNotAPricedEndpoint() {
        byte[] lines = ("{\"id\": \"batch_req_e\", \"custom_id\": \"bad\", \"response\": {\"status_code\": 400, \"request_id\": "
                + "\"req_e\", \"body\": {\"error\": {\"message\": \"Invalid model\", \"type\": \"invalid_request_error\", "
                + "\"param\": \"model\", \"code\": \"model_not_found\"}}}, \"error\": null}\n"
                + "{\"id\": \"batch_req_n\", \"custom_id\": \"no-usage\", \"response\": {\"status_code\": 200, \"body\": "
                + "{\"object\": \"chat.completion\", \"model\": \"gpt-4o-mini\", \"choices\": []}}, \"error\": null}\n")
                .getBytes(StandardCharsets.UTF_8);
        List<BatchOutputMeter.Result> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(seen::add);
        m.onBytes(ByteBuffer.wrap(lines));
        m.onEnd();
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).meter().status()).isEqualTo(400);
        assertThat(seen.get(0).meter().errorCode()).isEqualTo("model_not_found");
        assertThat(seen.get(0).endpoint()).isEqualTo(Endpoint.OTHER);
        // no request_id: the line's id names the result
        assertThat(seen.get(1).requestId()).isEqualTo("batch_req_n");
        assertThat(seen.get(1).endpoint()).isEqualTo(Endpoint.OTHER);
    }

    @Test
    void tenThousandLinesAreMeteredWhileStreamingInBoundedMemory() {
        String template = new String(OUTPUT, StandardCharsets.UTF_8).lines().findFirst().orElseThrow();
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            file.append(template.replace("\"request-2\"", "\"line-" + i + "\"")).append('\n');
        }
        byte[] bytes = file.toString().getBytes(StandardCharsets.UTF_8);
        long[] tokens = new long[2];
        List<String> ids = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> {
            tokens[0] += r.meter().usage().inputTokens();
            tokens[1] += r.meter().usage().outputTokens();
            if (ids.size() < 3) {
                ids.add(r.customId());
            }
        });
        int max = 0;
        for (int i = 0; i < bytes.length; i += 8192) {
            m.onBytes(ByteBuffer.wrap(bytes, i, Math.min(8192, bytes.length - i)));
            max = Math.max(max, m.heldBytes());
        }
        m.onEnd();
        assertThat(m.results()).isEqualTo(10_000);
        assertThat(tokens).containsExactly(240_000, 150_000);
        assertThat(ids).containsExactly("line-0", "line-1", "line-2");
        // one line's buffer, never the file (4.5 MB)
        assertThat(max).isLessThanOrEqualTo(4096);
    }

    @Test
    void aCustomIdIsCutAt128Characters() {
        byte[] line = ("{\"custom_id\": \"" + "c".repeat(500) + "\", \"response\": {\"status_code\": 200, \"body\": "
                + "{\"object\": \"list\", \"model\": \"text-embedding-3-small\", \"usage\": {\"prompt_tokens\": 5, "
                + "\"total_tokens\": 5}}}}").getBytes(StandardCharsets.UTF_8);
        List<BatchOutputMeter.Result> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(seen::add);
        m.onBytes(ByteBuffer.wrap(line));
        m.onEnd();
        assertThat(seen).singleElement().satisfies(r -> {
            assertThat(r.customId()).hasSize(FieldCap.MAX_CHARS);
            assertThat(r.endpoint()).isEqualTo(Endpoint.EMBEDDINGS);
            assertThat(r.meter().serviceTier()).isEqualTo("batch");
            assertThat(r.meter().batch()).isTrue();
        });
    }

    @Test
    void onlyAFilesContentOrAMessageBatchsResultsPathIsADownload() {
        assertThat(BatchOutputMeter.downloadId("/v1/files/file-abc123/content")).isEqualTo("file-abc123");
        assertThat(BatchOutputMeter.downloadId("/v1/messages/batches/msgbatch_01/results")).isEqualTo("msgbatch_01");
        assertThat(BatchOutputMeter.downloadId("/v1/files/file-abc123")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/files//content")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/files/a/b/content")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/files/content")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/batches/batch_1/content")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/messages/batches/msgbatch_01")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/messages/batches//results")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/messages/batches/a/b/results")).isNull();
        assertThat(BatchOutputMeter.downloadId("/v1/messages/batches/results")).isNull();
    }

    /** Anthropic's results (batch_results_anthropic_docs.jsonl: its API reference's example), cut anywhere. */
    @Test
    void anAnthropicMessageBatchsResultsAreMeteredAsMessagesWhereverCut() {
        byte[] results = Fixtures.bytes("batch_results_anthropic_docs.jsonl");
        List<String> expected = List.of(
                "my-second-request msg_014VwiXbi91y3JMjcpyGBHX5 /v1/messages claude-3-5-sonnet-20240620 11 36 batch",
                "my-first-request msg_01FqfsLoHwgeFbguDgpz48m7 /v1/messages claude-3-5-sonnet-20240620 10 34 batch");
        for (int cut = 0; cut <= results.length; cut++) {
            assertThat(read(results, cut, cut)).as("cut at %d", cut).isEqualTo(expected);
        }
    }

    /**
     * A result that ran nothing billed (errored, canceled, expired: shapes of Anthropic's API reference) makes no
     * result, and neither does a succeeded one whose message comes before its type; the rest are read.
     */
    @Test
    void anAnthropicResultThatDidNotSucceedIsNotBilled() {
        String ok = new String(Fixtures.bytes("batch_results_anthropic_docs.jsonl"), StandardCharsets.UTF_8)
                .lines().findFirst().orElseThrow();
        String lines = "{\"custom_id\":\"e\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\","
                + "\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"}}}}\n"
                + "{\"custom_id\":\"c\",\"result\":{\"type\":\"canceled\"}}\n"
                + "{\"custom_id\":\"x\",\"result\":{\"type\":\"expired\"}}\n"
                + ok + "\n"
                // the message first, the type after it: still the same result
                + ok.replace("{\"type\":\"succeeded\",\"message\":", "{\"message\":")
                        .replace("}}}}", "}},\"type\":\"succeeded\"}}").replace("my-second-request", "reordered") + "\n";
        List<BatchOutputMeter.Result> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(seen::add);
        m.onBytes(ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8)));
        m.onEnd();
        assertThat(seen).extracting(BatchOutputMeter.Result::customId).containsExactly("my-second-request", "reordered");
        assertThat(seen).allSatisfy(r -> {
            assertThat(r.endpoint()).isEqualTo(Endpoint.MESSAGES);
            assertThat(r.meter().usage().outputTokens()).isEqualTo(36);
        });
        assertThat(seen).extracting(BatchOutputMeter.Result::index).containsExactly(0L, 1L);
        assertThat(m.unparsedLines()).isZero();
    }

    private static List<String> read(byte[] file, int a, int b) {
        List<String> seen = new ArrayList<>();
        BatchOutputMeter m = new BatchOutputMeter(r -> seen.add(describe(r)));
        m.onBytes(ByteBuffer.wrap(file, 0, a));
        m.onBytes(ByteBuffer.wrap(file, a, b - a));
        m.onBytes(ByteBuffer.wrap(file, b, file.length - b));
        m.onEnd();
        assertThat(m.unparsedLines()).isZero();
        return seen;
    }

    private static String describe(BatchOutputMeter.Result r) {
        Usage u = r.meter().usage();
        return r.customId() + " " + r.requestId() + " " + r.endpoint().path() + " " + r.meter().model() + " "
                + u.inputTokens() + " " + u.outputTokens() + " " + r.meter().serviceTier();
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}

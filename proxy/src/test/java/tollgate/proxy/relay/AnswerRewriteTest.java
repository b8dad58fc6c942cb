package tollgate.proxy.relay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * The streamed rewrite of an answer's bytes: what comes out is the whole body with every occurrence replaced,
 * wherever the chunks cut it, holding back less than one occurrence; and which calls get one (a Message Batch read).
 */
class AnswerRewriteTest {
    /** The shape of Anthropic's "Retrieve a Message Batch" example answer (its API reference). */
    private static final String BATCH = "{\"id\":\"msgbatch_013Zva2CMHLNnXjNJJKqJ2EF\",\"type\":\"message_batch\","
            + "\"processing_status\":\"ended\",\"request_counts\":{\"processing\":0,\"succeeded\":2,\"errored\":0,"
            + "\"canceled\":0,\"expired\":0},\"ended_at\":\"2024-08-20T18:37:24.100435Z\","
            + "\"created_at\":\"2024-08-20T18:37:24.100435Z\",\"expires_at\":\"2024-08-21T18:37:24.100435Z\","
            + "\"cancel_initiated_at\":null,\"results_url\":"
            + "\"https://api.anthropic.com/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results\"}";

    @Test
    void theResultsUrlPointsAtTollgateWhereverTheAnswerIsCut() {
        String want = BATCH.replace("https://api.anthropic.com/", "http://tollgate.internal:8080/");
        byte[] in = BATCH.getBytes(UTF_8);
        for (int a = 0; a <= in.length; a++) {
            for (int b = a; b <= in.length; b += 7) {
                AnswerRewrite r = rewrite();
                assertThat(run(r, in, a, b)).as("cuts at %d, %d", a, b).isEqualTo(want);
                assertThat(r.held()).isZero();
            }
        }
    }

    @Test
    void everyOccurrenceIsReplacedAndNearMissesPassAsTheyAre() {
        AnswerRewrite r = new AnswerRewrite("aab", "X");
        // KMP: "aaab" holds "aa", fails on the third a, still matches "aab" starting one later
        assertThat(run(r, "aaab aab aa ab aaaab a".getBytes(UTF_8), 2, 3)).isEqualTo("aX X aa ab aaX a");
        // a body ending inside a candidate gives its held bytes back at its end
        AnswerRewrite tail = new AnswerRewrite("aab", "X");
        assertThat(run(tail, "xaa".getBytes(UTF_8), 1, 2)).isEqualTo("xaa");
        // a list of batches: each one's url
        String list = "{\"data\":[" + BATCH + "," + BATCH.replace("013Zva", "02") + "],\"has_more\":false}";
        assertThat(run(rewrite(), list.getBytes(UTF_8), 100, 500))
                .isEqualTo(list.replace("https://api.anthropic.com/", "http://tollgate.internal:8080/"))
                .doesNotContain("api.anthropic.com");
    }

    @Test
    void onlyAReadOfMessageBatchesIsRewrittenAndOnlyToAUrlOfTheClientsOwnHost() {
        String up = "https://api.anthropic.com";
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches/msgbatch_1", "gw:8080", null, null, up)).isNotNull();
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches", "gw", null, null, up)).isNotNull();
        assertThat(AnswerRewrite.resultsUrl("POST", "/v1/messages/batches", "gw", null, null, up)).isNull();
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches/msgbatch_1/results", "gw", null, null, up))
                .isNull();
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/files/file-1/content", "gw", null, null, up)).isNull();
        // nothing that could break out of the JSON string or point elsewhere
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches", "gw\",\"x\":\"", null, null, up)).isNull();
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches", "evil.com/x", null, null, up)).isNull();
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches", null, null, null, up)).isNull();
        assertThat(AnswerRewrite.resultsUrl("GET", "/v1/messages/batches", "gw", null, "javascript", up)).isNull();

        // behind a load balancer: the client's scheme and host as it forwarded them; a route's path prefix kept
        AnswerRewrite lb = AnswerRewrite.resultsUrl("GET", "/anthropic/v1/messages/batches/msgbatch_1", "10.0.0.7:8080",
                "llm.example.com, 10.0.0.1", "https", up);
        assertThat(run(lb, BATCH.getBytes(UTF_8), 0, 0)).contains(
                "\"results_url\":\"https://llm.example.com/anthropic/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF/results\"");
    }

    private static AnswerRewrite rewrite() {
        return AnswerRewrite.resultsUrl("GET", "/v1/messages/batches/msgbatch_013Zva2CMHLNnXjNJJKqJ2EF",
                "tollgate.internal:8080", null, null, "https://api.anthropic.com");
    }

    /** Feeds {@code in} in three chunks cut at {@code a} and {@code b}; every buffer is released. */
    private static String run(AnswerRewrite r, byte[] in, int a, int b) {
        StringBuilder out = new StringBuilder();
        int[][] parts = {{0, a}, {a, b}, {b, in.length}};
        for (int i = 0; i < parts.length; i++) {
            ByteBuf chunk = Unpooled.copiedBuffer(in, parts[i][0], parts[i][1] - parts[i][0]);
            ByteBuf got = r.feed(chunk, i == parts.length - 1, ByteBufAllocator.DEFAULT);
            if (chunk != Unpooled.EMPTY_BUFFER) {
                assertThat(chunk.refCnt()).isZero();
            }
            assertThat(r.held()).isLessThan(60);
            out.append(got.toString(UTF_8));
            got.release();
        }
        return out.toString();
    }
}

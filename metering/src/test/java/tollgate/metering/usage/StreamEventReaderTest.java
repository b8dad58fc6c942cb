package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamEventReaderTest {
    private static final String SSE = "text/event-stream";

    @Test
    void chunkGivesModelTextAndUsageOnlyFlag() {
        StreamEventReader r = new StreamEventReader();
        assertThat(r.read(null, "{\"id\":\"c1\",\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}"))
                .isFalse();
        assertThat(r.read(null, "{\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}"))
                .as("usage-only chunk").isTrue();
        assertThat(r.read(null, "{\"model\":\"gpt-4o\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}"))
                .as("usage without a choices array").isFalse();
        assertThat(r.read(null, "{\"choices\":[1],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}"))
                .as("choices not empty").isFalse();
        assertThat(r.model()).isEqualTo("gpt-4o");
        assertThat(r.streamedText()).isEqualTo("Hi");
        assertThat(r.usage()).isEqualTo(new Usage(3, 0, 1, 0));
        assertThat(r.read(null, " [DONE] ")).isFalse();
        assertThat(r.completed()).isTrue();
    }

    @Test
    void theModelStringIsKeptWhileItDoesNotChange() {
        StreamEventReader r = new StreamEventReader();
        r.read(null, "{\"model\":\"gpt-4o-mini\",\"choices\":[]}");
        String first = r.model();
        r.read(null, "{\"model\":\"gpt-4o-mini\",\"choices\":[]}");
        assertThat(r.model()).isSameAs(first);
        r.read(null, "{\"model\":\"\",\"choices\":[]}");
        assertThat(r.model()).as("an empty model is not a model").isSameAs(first);
        r.read(null, "{\"model\":\"gpt-4o\",\"choices\":[]}");
        assertThat(r.model()).isEqualTo("gpt-4o");
    }

    @Test
    void responsesEventsWhateverTheOrderOfTheirFields() {
        StreamEventReader r = new StreamEventReader();
        r.read("response.created", "{\"response\":{\"model\":\"gpt-5\",\"usage\":null,\"output\":[{\"x\":[1,2]}]},\"type\":\"response.created\"}");
        r.read(null, "{\"type\":\"response.output_text.delta\",\"item_id\":\"i\",\"delta\":\"one \"}");
        r.read(null, "{\"delta\":\"two \",\"type\":\"response.output_text.delta\"}");
        r.read("response.output_text.delta", "{\"delta\":\"three \"}");
        r.read(null, "{\"delta\":\"not text\",\"type\":\"response.output_text.done\",\"text\":\"one two three\"}");
        r.read(null, "{\"choices\":[{\"delta\":{\"content\":\"not a chunk \"}}],\"type\":\"response.reasoning_text.delta\",\"delta\":\"four\"}");
        assertThat(r.streamedText()).isEqualTo("one two three four");
        assertThat(r.completed()).isFalse();
        r.read(null, "{\"type\":\"response.completed\",\"response\":{\"model\":\"gpt-5-2025\",\"usage\":{\"input_tokens\":5,"
                + "\"output_tokens\":4,\"output_tokens_details\":{\"reasoning_tokens\":1}}}}");
        assertThat(r.model()).isEqualTo("gpt-5-2025");
        assertThat(r.usage()).isEqualTo(new Usage(5, 0, 4, 1));
        assertThat(r.completed()).isTrue();
        assertThat(r.malformedEvents()).isZero();
    }

    @Test
    void errorEventsGiveTheirCode() {
        StreamEventReader top = new StreamEventReader();
        top.read("error", "{\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"slow down\",\"param\":null}");
        assertThat(top.errorCode()).isEqualTo("rate_limit_exceeded");
        StreamEventReader nested = new StreamEventReader();
        nested.read(null, "{\"type\":\"error\",\"error\":{\"type\":\"server_error\",\"code\":null}}");
        assertThat(nested.errorCode()).isEqualTo("server_error");
        StreamEventReader chunk = new StreamEventReader();
        chunk.read(null, "{\"error\":{\"message\":\"m\",\"type\":\"server_error\",\"code\":\"overloaded\"}}");
        assertThat(chunk.errorCode()).isEqualTo("overloaded");
    }

    @Test
    void malformedEventsAreCountedAndLeaveNoTraceForTheNext() {
        StreamEventReader r = new StreamEventReader();
        String[] bad = {"not json", "{\"choices\":[{\"delta\":{\"content\":\"lost\"}}]", "{\"choices\":[{\"delta\":{\"content\":\"x\"",
            "{\"model\":\"m\",", "{\"choices\":[{\"delta\":{\"content\":\"lost\"}}],\"usage\":{\"prompt_tokens\":"};
        for (String data : bad) {
            assertThat(r.read(null, data)).as(data).isFalse();
            r.read(null, "{\"model\":\"good\",\"choices\":[{\"delta\":{\"content\":\"ok \"}}]}");
        }
        assertThat(r.malformedEvents()).isEqualTo(bad.length);
        assertThat(r.streamedText()).isEqualTo("ok ".repeat(bad.length));
        assertThat(r.model()).isEqualTo("good");
        assertThat(r.usage()).isNull();
    }

    @Test
    void valuesThatAreNotObjectsAreNeitherChunksNorMalformed() {
        StreamEventReader r = new StreamEventReader();
        for (String data : new String[] {"[1,2]", "123", "\"text\"", "", "null", "{}", "{} trailing", "{\"a\":1}{\"b\":2}"}) {
            assertThat(r.read(null, data)).as(data).isFalse();
        }
        assertThat(r.malformedEvents()).isZero();
        r.read(null, "{\"model\":\"after\",\"choices\":[{\"text\":\"t\"}]}");
        assertThat(r.model()).isEqualTo("after");
        assertThat(r.streamedText()).isEqualTo("t");
    }

    @Test
    void twoStreamsReadInTurnsOnOneThreadDoNotMix() {
        byte[] a = Fixtures.bytes("chat_stream_gpt-4o_content.sse");
        byte[] b = Fixtures.bytes("responses_stream_gpt-4o_text.sse");
        ResponseMeter alone = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        alone.onBytes(ByteBuffer.wrap(a));
        alone.onEnd();
        ResponseMeter other = ResponseMeter.create(Endpoint.RESPONSES, 200, SSE, false);
        other.onBytes(ByteBuffer.wrap(b));
        other.onEnd();
        ResponseMeter ma = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
        ResponseMeter mb = ResponseMeter.create(Endpoint.RESPONSES, 200, SSE, false);
        for (int i = 0; i < Math.max(a.length, b.length); i += 7) {
            if (i < a.length) {
                ma.onBytes(ByteBuffer.wrap(a, i, Math.min(7, a.length - i)));
            }
            if (i < b.length) {
                mb.onBytes(ByteBuffer.wrap(b, i, Math.min(7, b.length - i)));
            }
        }
        ma.onEnd();
        mb.onEnd();
        assertThat(ma.streamedText()).isEqualTo(alone.streamedText());
        assertThat(ma.usage()).isEqualTo(alone.usage());
        assertThat(mb.streamedText()).isEqualTo(other.streamedText());
        assertThat(mb.usage()).isEqualTo(other.usage());
        assertThat(mb.model()).isEqualTo(other.model());
    }

    @Test
    void multibyteTextSplitAcrossReadsAtEveryByte() {
        String text = "caf\u00e9 \u4e16\u754c \uD83D\uDE00 \\\"q\\\" \\u00e9";
        String stream = "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"" + text + "\"}}]}\n\n"
                + "event: response.output_text.delta\r\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"" + text + "\"}\r\n\r\n"
                + "data: [DONE]\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        String expected = "caf\u00e9 \u4e16\u754c \uD83D\uDE00 \"q\" \u00e9";
        for (int cut = 1; cut < bytes.length; cut++) {
            for (boolean direct : new boolean[] {false, true}) {
                ResponseMeter m = ResponseMeter.create(Endpoint.CHAT_COMPLETIONS, 200, SSE, false);
                RelaySimulation.run(m, bytes, new int[] {cut}, direct);
                assertThat(m.streamedText()).as("cut at %d", cut).isEqualTo(expected + expected);
                assertThat(m.streamCompleted()).isTrue();
                assertThat(m.unreadableEvents()).isZero();
            }
        }
    }
}

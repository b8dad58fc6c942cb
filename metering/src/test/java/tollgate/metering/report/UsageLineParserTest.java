package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UsageLineParserTest {
    private static final String SPEC_LINE = "{\"ts\":\"2026-11-22T10:30:45.123Z\",\"request_id\":\"…\",\"key\":\"storybot\","
            + "\"endpoint\":\"/v1/chat/completions\",\"model\":\"gpt-4o-mini-2024-07-18\",\"priced_as\":\"gpt-4o-mini\","
            + "\"stream\":true,\"status\":200,\"input_tokens\":1250,\"cached_input_tokens\":0,\"output_tokens\":150,"
            + "\"reasoning_tokens\":0,\"total_tokens\":1400,\"estimated\":false,\"cost_usd\":0.0002775,"
            + "\"duration_ms\":2340,\"ttfb_ms\":310,\"user\":\"123\",\"tags\":{\"operation\":\"rag_answer\"},\"error\":null}";

    private static boolean parse(UsageLineParser p, String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return p.parse(b, 0, b.length);
    }

    @Test
    void specExampleLineIsReadFieldByField() {
        UsageLineParser p = new UsageLineParser();

        assertThat(parse(p, SPEC_LINE)).isTrue();
        assertThat(p.day).isEqualTo(LocalDate.of(2026, 11, 22));
        assertThat(p.key).isEqualTo("storybot");
        assertThat(p.model).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(p.pricedAs).isEqualTo("gpt-4o-mini");
        assertThat(p.inputTokens).isEqualTo(1250);
        assertThat(p.totalTokens).isEqualTo(1400);
        assertThat(p.costUsd).isEqualByComparingTo("0.0002775");
        assertThat(p.user).isEqualTo("123");
        assertThat(p.tags).isEqualTo(Map.of("operation", "rag_answer"));
        assertThat(p.error).isNull();
    }

    @Test
    void aTimestampWithAnOffsetIsDatedInUtc() {
        UsageLineParser p = new UsageLineParser();

        assertThat(parse(p, SPEC_LINE.replace("2026-11-22T10:30:45.123Z", "2026-11-22T01:30:00+02:00"))).isTrue();
        assertThat(p.day).isEqualTo(LocalDate.of(2026, 11, 21));
    }

    @Test
    void linesThatAreNotUsageRecordsAreRejected() {
        UsageLineParser p = new UsageLineParser();

        assertThat(parse(p, SPEC_LINE.substring(0, 80))).isFalse();
        assertThat(parse(p, "[1,2]")).isFalse();
        assertThat(parse(p, SPEC_LINE + "{}")).isFalse();
        assertThat(parse(p, SPEC_LINE.replace("\"key\":\"storybot\",", ""))).isFalse();
        assertThat(parse(p, SPEC_LINE.replace("\"input_tokens\":1250", "\"input_tokens\":\"many\""))).isFalse();
        assertThat(parse(p, SPEC_LINE.replace("\"input_tokens\":1250", "\"input_tokens\":-1"))).isFalse();
        assertThat(parse(p, SPEC_LINE.replace("\"cost_usd\":0.0002775", "\"cost_usd\":\"cheap\""))).isFalse();
        assertThat(parse(p, SPEC_LINE.replace("2026-11-22T10:30:45.123Z", "yesterday"))).isFalse();
        // and the parser is still good for the next line
        assertThat(parse(p, SPEC_LINE)).isTrue();
    }

    @Test
    void unknownFieldsAndNullCostAreAccepted() {
        UsageLineParser p = new UsageLineParser();

        assertThat(parse(p, SPEC_LINE.replace("\"cost_usd\":0.0002775", "\"cost_usd\":null,\"extra\":{\"a\":[1,{}]}")))
                .isTrue();
        assertThat(p.costUsd).isNull();
    }

    @Test
    void splitterHandlesCrLfLinesAcrossReadsAndOverLongLines() throws Exception {
        String big = "x".repeat(3000);
        String text = "a\r\nbb\n" + big + "\nccc";
        List<String> lines = new ArrayList<>();
        int[] tooLong = {0};
        // one byte per read exercises lines cut across buffers
        ByteArrayInputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        new LineSplitter(2048).split(in, new LineSplitter.LineSink() {
            @Override
            public void line(byte[] buf, int off, int len) {
                lines.add(new String(buf, off, len, StandardCharsets.UTF_8));
            }

            @Override
            public void tooLong() {
                tooLong[0]++;
            }
        });

        assertThat(lines).containsExactly("a", "bb", "ccc");
        assertThat(tooLong[0]).isEqualTo(1);
    }
}

package tollgate.metering.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The parser's table of recent strings only saves allocations: every line reads as its own bytes say. */
class UsageLineParserTest {
    @Test
    void manyDistinctValuesThroughTheSameTableEachReadAsWritten() {
        UsageLineParser parser = new UsageLineParser(UsageLine.Fields.ALL);
        // far more values than the table's slots, some colliding, some repeating, one longer than it keeps
        for (int i = 0; i < 5_000; i++) {
            String model = i % 7 == 0 ? "gpt-4o-mini" : "model-" + (i * 7919 % 1_000) + (i % 3 == 0 ? "x".repeat(120) : "");
            String key = "key-" + (i % 300);
            String line = "{\"ts\":\"2026-12-03T10:00:00.000Z\",\"request_id\":\"r" + i + "\",\"key\":\"" + key
                    + "\",\"endpoint\":\"/v1/chat/completions\",\"model\":\"" + model + "\",\"priced_as\":\"" + model
                    + "\",\"provider\":\"p" + (i % 5) + "\",\"service_tier\":\"" + (i % 2 == 0 ? "default" : "flex")
                    + "\",\"input_tokens\":1,\"output_tokens\":2}";
            byte[] b = line.getBytes(StandardCharsets.UTF_8);
            assertThat(parser.parse(b, 0, b.length)).isTrue();
            UsageLine l = parser.line();
            assertThat(l.model).isEqualTo(model);
            assertThat(l.pricedAs).isEqualTo(model);
            assertThat(l.key).isEqualTo(key);
            assertThat(l.provider).isEqualTo("p" + (i % 5));
            assertThat(l.serviceTier).isEqualTo(i % 2 == 0 ? "default" : "flex");
            assertThat(l.endpoint).isEqualTo("/v1/chat/completions");
        }
    }
}

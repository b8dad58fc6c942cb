package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UsageParserTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<Arguments> usages() {
        return Stream.of(
                Arguments.of("chat completions with details",
                        "{\"prompt_tokens\":4020,\"completion_tokens\":40,\"total_tokens\":4060,"
                                + "\"prompt_tokens_details\":{\"cached_tokens\":4012,\"audio_tokens\":0},"
                                + "\"completion_tokens_details\":{\"reasoning_tokens\":32}}",
                        new Usage(4020, 4012, 40, 32)),
                Arguments.of("chat completions with cache writes (gpt-5.6 and later)",
                        "{\"prompt_tokens\":4020,\"completion_tokens\":4,\"prompt_tokens_details\":{\"cached_tokens\":0,"
                                + "\"cache_write_tokens\":4012}}",
                        new Usage(4020, 0, 4, 0, 4012)),
                Arguments.of("responses API with cache writes",
                        "{\"input_tokens\":4020,\"input_tokens_details\":{\"cached_tokens\":0,\"cache_write_tokens\":4012},"
                                + "\"output_tokens\":4}",
                        new Usage(4020, 0, 4, 0, 4012)),
                Arguments.of("responses API with details",
                        "{\"input_tokens\":12594,\"input_tokens_details\":{\"cached_tokens\":3200},\"output_tokens\":1150,"
                                + "\"output_tokens_details\":{\"reasoning_tokens\":1088},\"total_tokens\":13744}",
                        new Usage(12594, 3200, 1150, 1088)),
                Arguments.of("legacy completions without details",
                        "{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}", new Usage(5, 0, 7, 0)),
                Arguments.of("embeddings: no output", "{\"prompt_tokens\":4,\"total_tokens\":4}", new Usage(4, 0, 0, 0)),
                Arguments.of("only a total", "{\"total_tokens\":9}", new Usage(9, 0, 0, 0)),
                Arguments.of("details null", "{\"prompt_tokens\":3,\"completion_tokens\":1,\"prompt_tokens_details\":null,"
                        + "\"completion_tokens_details\":null}", new Usage(3, 0, 1, 0)),
                Arguments.of("anthropic-compatible counts on top of prompt_tokens",
                        "{\"prompt_tokens\":1200,\"completion_tokens\":50,\"cache_read_input_tokens\":1000,"
                                + "\"cache_creation_input_tokens\":150}",
                        new Usage(1200, 1000, 50, 0, 150)),
                Arguments.of("anthropic messages: input_tokens excludes cache reads and writes",
                        "{\"input_tokens\":50,\"cache_read_input_tokens\":1000,\"cache_creation_input_tokens\":150,"
                                + "\"output_tokens\":20}",
                        new Usage(1200, 1000, 20, 0, 150)),
                Arguments.of("cached never above input", "{\"prompt_tokens\":10,\"completion_tokens\":1,"
                        + "\"prompt_tokens_details\":{\"cached_tokens\":64}}", new Usage(10, 10, 1, 0)),
                Arguments.of("a negative count is read as past any bound (the recorder refuses it)",
                        "{\"prompt_tokens\":-3,\"completion_tokens\":2}", new Usage(Long.MAX_VALUE, 0, 2, 0)),
                Arguments.of("so is 1e400", "{\"prompt_tokens\":3,\"completion_tokens\":1e400}",
                        new Usage(3, 0, Long.MAX_VALUE, 0)),
                Arguments.of("counts that are not numbers are absent", "{\"prompt_tokens\":\"12\",\"completion_tokens\":2}",
                        new Usage(0, 0, 2, 0)),
                Arguments.of("JSON null", "null", null),
                Arguments.of("empty object", "{}", null),
                Arguments.of("not an object", "[1,2]", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usages")
    void mapsEachApisNamesToSpecFields(String title, String json, @Nullable Usage expected) throws Exception {
        assertThat(UsageParser.parse(MAPPER.readTree(json))).isEqualTo(expected);
    }
}

package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestInfoTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static RequestInfo parse(Endpoint endpoint, String json) {
        return RequestInfo.parse(endpoint, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsModelStreamFlagsCapAndUser() {
        RequestInfo info = parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"max_completion_tokens\":300,\"user\":\"123\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(info.endpoint()).isEqualTo(Endpoint.CHAT_COMPLETIONS);
        assertThat(info.model()).isEqualTo("gpt-4o-mini");
        assertThat(info.stream()).isTrue();
        assertThat(info.includeUsage()).isTrue();
        assertThat(info.maxOutputTokens()).isEqualTo(300L);
        assertThat(info.user()).isEqualTo("123");
        assertThat(info.body()).isNotNull();
        assertThat(info.body().path("messages").get(0).path("content").asText()).isEqualTo("hi");
        assertThat(info.needsUsageInjection()).isFalse();
    }

    @Test
    void readsEachNameOfTheOutputCap() {
        assertThat(parse(Endpoint.COMPLETIONS, "{\"max_tokens\":7}").maxOutputTokens()).isEqualTo(7L);
        assertThat(parse(Endpoint.RESPONSES, "{\"max_output_tokens\":1024}").maxOutputTokens()).isEqualTo(1024L);
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"max_tokens\":7,\"max_completion_tokens\":9}").maxOutputTokens())
                .isEqualTo(9L);
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"max_tokens\":null}").maxOutputTokens()).isNull();
    }

    @Test
    void badJsonGivesNullsAndNeverThrows() {
        for (String body : new String[] {"", "{", "not json", "[1,2]", "\"text\"", "{\"model\":"}) {
            RequestInfo info = parse(Endpoint.CHAT_COMPLETIONS, body);
            assertThat(info.model()).as(body).isNull();
            assertThat(info.body()).as(body).isNull();
            assertThat(info.stream()).as(body).isFalse();
            assertThat(info.needsUsageInjection()).as(body).isFalse();
            assertThat(info.withUsageInjected()).as(body).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void fieldsOfTheWrongTypeAreAbsent() {
        RequestInfo info = parse(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":4,\"stream\":\"true\",\"user\":{\"id\":1},\"stream_options\":{\"include_usage\":\"yes\"}}");
        assertThat(info.model()).isNull();
        assertThat(info.stream()).isFalse();
        assertThat(info.user()).isNull();
        assertThat(info.includeUsage()).isFalse();
    }

    @Test
    void onlyStreamedChatAndCompletionsWithoutUsageNeedInjection() {
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":true}").needsUsageInjection()).isTrue();
        assertThat(parse(Endpoint.COMPLETIONS, "{\"stream\":true,\"stream_options\":{\"include_usage\":false}}")
                .needsUsageInjection()).isTrue();
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":false}").needsUsageInjection()).isFalse();
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{}").needsUsageInjection()).isFalse();
        assertThat(parse(Endpoint.RESPONSES, "{\"stream\":true}").needsUsageInjection()).isFalse();
        assertThat(parse(Endpoint.EMBEDDINGS, "{\"stream\":true}").needsUsageInjection()).isFalse();
    }

    @Test
    void injectionWithoutStreamOptionsKeepsEveryOtherByte() {
        String body = "  {\"model\":\"gpt-4o\",  \"temperature\":0.70,\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"caf\\u00e9\"}]}\n";
        byte[] injected = parse(Endpoint.CHAT_COMPLETIONS, body).withUsageInjected();
        assertThat(new String(injected, StandardCharsets.UTF_8))
                .isEqualTo("  {\"stream_options\":{\"include_usage\":true}," + body.substring(3));
        RequestInfo again = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, injected);
        assertThat(again.includeUsage()).isTrue();
        assertThat(again.needsUsageInjection()).isFalse();
    }

    @Test
    void injectionIntoAnEmptyObjectAddsNoComma() {
        assertThat(new String(parse(Endpoint.CHAT_COMPLETIONS, "{ }").withUsageInjected(), StandardCharsets.UTF_8))
                .isEqualTo("{\"stream_options\":{\"include_usage\":true} }");
    }

    @Test
    void injectionKeepsOtherStreamOptionsAndExactNumbers() throws Exception {
        String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"temperature\":0.70,\"seed\":12345678901234,"
                + "\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":false},\"n\":1}";
        byte[] injected = parse(Endpoint.CHAT_COMPLETIONS, body).withUsageInjected();
        JsonNode tree = MAPPER.readTree(injected);
        assertThat(tree.path("stream_options").path("include_usage").booleanValue()).isTrue();
        assertThat(tree.path("stream_options").path("include_obfuscation").isBoolean()).isTrue();
        assertThat(tree.path("stream_options").path("include_obfuscation").booleanValue()).isFalse();
        String text = new String(injected, StandardCharsets.UTF_8);
        assertThat(text).contains("\"temperature\":0.70").contains("\"seed\":12345678901234");
        assertThat(text).startsWith("{\"model\":\"gpt-4o\",\"stream\":true,");
        assertThat(text).endsWith(",\"n\":1}");
    }

    @Test
    void injectionReplacesStreamOptionsThatAreNotAnObject() throws Exception {
        byte[] injected = parse(Endpoint.COMPLETIONS, "{\"stream\":true,\"stream_options\":null}").withUsageInjected();
        assertThat(MAPPER.readTree(injected).path("stream_options").path("include_usage").booleanValue()).isTrue();
    }

    @Test
    void injectionDoesNotChangeTheParsedBody() {
        RequestInfo info = parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":true,\"stream_options\":{\"x\":1}}");
        info.withUsageInjected();
        assertThat(info.body().path("stream_options").has("include_usage")).isFalse();
        assertThat(info.includeUsage()).isFalse();
    }

    @Test
    void injectionIntoAUtf16BodyIsReSerializedNotSpliced() throws Exception {
        byte[] utf16 = "{\"model\":\"gpt-4o\",\"stream\":true}".getBytes(StandardCharsets.UTF_16LE);
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, utf16);
        assertThat(info.needsUsageInjection()).isTrue();
        JsonNode injected = MAPPER.readTree(info.withUsageInjected());
        assertThat(injected.path("model").asText()).isEqualTo("gpt-4o");
        assertThat(injected.path("stream_options").path("include_usage").booleanValue()).isTrue();
    }
}

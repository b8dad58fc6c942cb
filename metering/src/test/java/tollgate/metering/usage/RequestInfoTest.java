package tollgate.metering.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
    void aSecondTopLevelModelThatDiffersIsReportedAndTheLastIsTheModel() {
        RequestInfo two = parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"model\":\"x\"}],"
                + "\"model\":\"gpt-5\"}");
        assertThat(two.model()).isEqualTo("gpt-5");
        assertThat(two.conflictingModel()).isEqualTo("gpt-4o-mini");
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-5\",\"model\":\"gpt-5\"}").conflictingModel())
                .isNull();
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"gpt-5\",\"messages\":[{\"model\":\"x\"}]}")
                .conflictingModel()).isNull();
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":7,\"model\":\"gpt-5\"}").conflictingModel())
                .isEqualTo("(not a string)");
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

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"stream\":true,\"messages\":[]}",
            "\uFEFF {\"stream\":true}",
            "{\"stream\":true,\"stream_options\":{}}",
            "{\"stream\":true,\"stream_options\":{ }}",
            "{\"stream\":true,\"stream_options\":{\"include_obfuscation\":false}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":false,\"x\":[1,{\"a\":2}]}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":null}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":0}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":-1.5e3 }}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":\"tr\\u0075e \\\" caf\u00e9\"}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":[true, {\"x\":\"]\"}]}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":{\"x\":\"}\"}}}",
            "{\"stream\":true,\"stream_options\":{\"include_usage\":true,\"include_usage\":false}}",
            "{\"stream\":true,\"stream_options\":null,\"n\":1}",
            "{\"stream\":true,\"stream_options\":12,\"n\":1}",
            "{\"stream\":true,\"stream_options\":\"x\\\"}\"}",
            "{\"stream\":true,\"stream_options\":[{\"include_usage\":true}]}",
            "{\"stream_options\":{\"include_usage\":true},\"stream\":true,\"stream_options\":{\"x\":1}}",
            "\n{ \"stream\" : true , \"stream_options\" : { \"include_usage\" : false } }\n"})
    void splicedBodyParsesAsksForUsageAndKeepsEverythingElse(String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, bytes);
        assertThat(info.needsUsageInjection()).as(body).isTrue();
        BodySplice splice = info.usageSplice();
        assertThat(splice).as(body).isNotNull();
        assertThat(splice.insert().length).as("a few bytes, not the body").isLessThan(48);
        byte[] injected = info.withUsageInjected();
        assertThat(injected).isEqualTo(splice.applyTo(bytes));
        assertThat(injected).hasSize(splice.splicedLength(bytes.length));
        JsonNode before = MAPPER.readTree(bytes);
        JsonNode after = MAPPER.readTree(injected);
        assertThat(after.path("stream_options").path("include_usage").booleanValue()).as(new String(injected, StandardCharsets.UTF_8)).isTrue();
        ((com.fasterxml.jackson.databind.node.ObjectNode) before).remove("stream_options");
        ((com.fasterxml.jackson.databind.node.ObjectNode) after).remove("stream_options");
        assertThat(after).isEqualTo(before);
        JsonNode oldOptions = MAPPER.readTree(bytes).path("stream_options");
        JsonNode newOptions = MAPPER.readTree(injected).path("stream_options");
        if (oldOptions.isObject()) {
            oldOptions.fieldNames().forEachRemaining(f -> {
                if (!f.equals("include_usage")) {
                    assertThat(newOptions.get(f)).as(f).isEqualTo(oldOptions.get(f));
                }
            });
        }
        RequestInfo again = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, injected);
        assertThat(again.includeUsage()).isTrue();
        assertThat(again.usageSplice()).isNull();
    }

    @Test
    void spliceInsertsAfterTheBraceOrReplacesTheValue() {
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, " {\"stream\":true}").usageSplice())
                .isEqualTo(new BodySplice(2, 2, utf8("\"stream_options\":{\"include_usage\":true},")));
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":true,\"stream_options\":{\"include_usage\":false}}").usageSplice())
                .isEqualTo(new BodySplice(49, 54, utf8("true")));
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":true,\"stream_options\":{}}").usageSplice())
                .isEqualTo(new BodySplice(33, 33, utf8("\"include_usage\":true")));
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":true,\"stream_options\":null}").usageSplice())
                .isEqualTo(new BodySplice(32, 36, utf8("{\"include_usage\":true}")));
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}").usageSplice())
                .isNull();
        assertThat(parse(Endpoint.CHAT_COMPLETIONS, "[{\"stream\":true}]").usageSplice()).isNull();
    }

    @Test
    void compositeAndDirectBodiesReadLikeOneArrayWhereverTheyAreCut() throws Exception {
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\u00e9 \\\"q\\\" \u4e16\u754c\"}],"
                + "\"stream\":true,\"user\":\"u-1\",\"max_tokens\":12,\"stream_options\":{\"include_obfuscation\":true}}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        RequestInfo whole = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, bytes);
        byte[] expected = whole.withUsageInjected();
        for (int a = 0; a <= bytes.length; a++) {
            for (int b = a; b <= bytes.length; b += 7) {
                for (boolean direct : new boolean[] {false, true}) {
                    ByteBuffer[] parts = {buffer(bytes, 0, a, direct), buffer(bytes, a, b, direct), buffer(bytes, b, bytes.length, direct)};
                    int[] positions = {parts[0].position(), parts[1].position(), parts[2].position()};
                    RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, parts);
                    String at = "cut at " + a + ", " + b + (direct ? " direct" : "");
                    assertThat(info.model()).as(at).isEqualTo("gpt-4o");
                    assertThat(info.user()).as(at).isEqualTo("u-1");
                    assertThat(info.maxOutputTokens()).as(at).isEqualTo(12L);
                    assertThat(info.stream()).as(at).isTrue();
                    assertThat(info.length()).as(at).isEqualTo(bytes.length);
                    assertThat(info.usageSplice()).as(at).isEqualTo(whole.usageSplice());
                    assertThat(info.withUsageInjected()).as(at).isEqualTo(expected);
                    for (int i = 0; i < parts.length; i++) {
                        assertThat(parts[i].position()).as("position untouched").isEqualTo(positions[i]);
                    }
                }
            }
        }
        RequestInfo direct = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, buffer(bytes, 0, bytes.length, true));
        assertThat(direct.body()).isEqualTo(MAPPER.readTree(bytes));
        RequestInfo slice = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, ByteBuffer.wrap(pad(bytes), 3, bytes.length).slice());
        assertThat(slice.usageSplice()).isEqualTo(whole.usageSplice());
        assertThat(slice.withUsageInjected()).isEqualTo(expected);
        assertThat(slice.body()).isEqualTo(MAPPER.readTree(bytes));
    }

    @Test
    void heapBufferAtAnOffsetIsReadInPlace() {
        byte[] bytes = utf8("{\"stream\":true,\"model\":\"m\"}");
        ByteBuffer buf = ByteBuffer.wrap(pad(bytes), 3, bytes.length);
        RequestInfo info = RequestInfo.parse(Endpoint.COMPLETIONS, buf);
        assertThat(info.model()).isEqualTo("m");
        assertThat(info.usageSplice()).isEqualTo(new BodySplice(1, 1, utf8("\"stream_options\":{\"include_usage\":true},")));
        assertThat(new String(info.withUsageInjected(), StandardCharsets.UTF_8))
                .isEqualTo("{\"stream_options\":{\"include_usage\":true},\"stream\":true,\"model\":\"m\"}");
        assertThat(buf.position()).isEqualTo(3);
    }

    @Test
    void userAndModelAreCutAt128Characters() {
        String longName = "m".repeat(300);
        String emoji = "a".repeat(127) + "\uD83D\uDE00" + "b".repeat(10);
        RequestInfo info = parse(Endpoint.CHAT_COMPLETIONS,
                "{\"model\":\"" + longName + "\",\"user\":\"" + "u".repeat(128) + "\"}");
        assertThat(info.model()).isEqualTo("m".repeat(128));
        assertThat(info.user()).isEqualTo("u".repeat(128));
        RequestInfo split = parse(Endpoint.CHAT_COMPLETIONS, "{\"user\":\"" + emoji + "\",\"model\":\"\\u00e9" + "x".repeat(200) + "\"}");
        assertThat(split.user()).as("a surrogate pair is never cut in half").isEqualTo("a".repeat(127));
        assertThat(split.model()).isEqualTo("\u00e9" + "x".repeat(127));
    }

    @Test
    void truncatedOrTrailingGarbageBodies() {
        for (String body : new String[] {"{\"model\":\"gpt-4o\",\"stream\":true", "{\"model\":\"gpt-4o\",\"stream\":true,",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"x\"}", "{\"model\":\"gpt-4o\" \"stream\":true}",
                "{\"stream\":true,\"messages\":[\"unterminated]}"}) {
            RequestInfo info = parse(Endpoint.CHAT_COMPLETIONS, body);
            assertThat(info.model()).as(body).isNull();
            assertThat(info.stream()).as(body).isFalse();
            assertThat(info.usageSplice()).as(body).isNull();
            assertThat(info.body()).as(body).isNull();
        }
        // Jackson's readTree ignores what follows the first value, and so does the scan
        RequestInfo trailing = parse(Endpoint.CHAT_COMPLETIONS, "{\"model\":\"m\",\"stream\":true} trailing");
        assertThat(trailing.model()).isEqualTo("m");
        assertThat(trailing.needsUsageInjection()).isTrue();
    }

    @Test
    void promptTreeIsBuiltOnlyWhenAskedAndFromTheSameBytes() {
        byte[] bytes = utf8("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"one\"}]}");
        RequestInfo info = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, bytes);
        assertThat(info.body().path("messages").get(0).path("content").asText()).isEqualTo("one");
        assertThat(info.body()).isNotSameAs(info.body()).isEqualTo(info.body());
    }

    private static ByteBuffer buffer(byte[] bytes, int from, int to, boolean direct) {
        if (!direct) {
            return ByteBuffer.wrap(bytes, from, to - from);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(to - from + 4);
        b.position(2);
        b.put(bytes, from, to - from);
        b.flip().position(2);
        return b;
    }

    private static byte[] pad(byte[] bytes) {
        byte[] padded = new byte[bytes.length + 6];
        java.util.Arrays.fill(padded, (byte) '{');
        System.arraycopy(bytes, 0, padded, 3, bytes.length);
        return padded;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Found by RequestInfoFuzzTest (its crash input is kept as a regression seed): nested fields are not top-level. */
    @Test
    void fieldsInsideAnObjectOrArrayValueOfAScalarFieldAreNotTopLevelFields() {
        RequestInfo r = RequestInfo.parse(Endpoint.CHAT_COMPLETIONS, ("{\"model\":{\"model\":\"gpt\",\"stream\":true,"
                + "\"stream_options\":[1]},\"user\":[{\"user\":\"u\"}],\"max_tokens\":{\"n\":5},\"messages\":[]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        org.assertj.core.api.Assertions.assertThat(r.model()).isNull();
        org.assertj.core.api.Assertions.assertThat(r.user()).isNull();
        org.assertj.core.api.Assertions.assertThat(r.stream()).isFalse();
        org.assertj.core.api.Assertions.assertThat(r.needsUsageInjection()).isFalse();
        org.assertj.core.api.Assertions.assertThat(r.choices()).isEqualTo(1);
    }
}

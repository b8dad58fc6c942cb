package tollgate.metering.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import tollgate.metering.usage.BodySplice;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;

/**
 * Fuzz target (issue 17): the request scanner on any body never throws, and when it splices
 * {@code stream_options.include_usage} into a body that is a JSON object, the result is that object with
 * {@code include_usage: true} added and every other field unchanged. Seeds: requests of the SDKs' shapes.
 */
class RequestInfoFuzzTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Endpoint[] ENDPOINTS = {Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS, Endpoint.EMBEDDINGS,
            Endpoint.RESPONSES};

    @FuzzTest(maxDuration = "20s")
    void theUsageSpliceKeepsAValidRequestValid(FuzzedDataProvider in) {
        Endpoint e = ENDPOINTS[in.consumeInt(0, ENDPOINTS.length - 1)];
        byte[] body = in.consumeRemainingAsBytes();
        RequestInfo req = RequestInfo.parse(e, body);
        req.model();
        req.maxOutputTokens();
        req.choices();
        BodySplice splice = req.needsUsageInjection() ? req.usageSplice() : null;
        JsonNode original;
        try {
            original = JSON.readTree(body);
        } catch (IOException notJson) {
            return;
        }
        if (splice == null || original == null || !original.isObject()) {
            return;
        }
        JsonNode edited;
        try {
            edited = JSON.readTree(splice.applyTo(body));
        } catch (IOException e2) {
            throw new AssertionError("the splice broke a valid body: " + new String(splice.applyTo(body),
                    java.nio.charset.StandardCharsets.UTF_8), e2);
        }
        assertThat(edited.at("/stream_options/include_usage").asBoolean()).isTrue();
        ObjectNode a = ((ObjectNode) original).deepCopy();
        ObjectNode b = ((ObjectNode) edited).deepCopy();
        a.remove("stream_options");
        b.remove("stream_options");
        assertThat(b).isEqualTo(a);
    }
}

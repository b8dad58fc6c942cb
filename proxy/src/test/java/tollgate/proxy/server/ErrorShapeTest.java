package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import tollgate.proxy.server.ErrorResponses.Shape;

/** Which shape tollgate's own errors take, and where a virtual key's credential goes (SPEC 3, 13). */
class ErrorShapeTest {
    @Test
    void anthropicsMessagesApiAndOnlyItGetsAnthropicsShape() {
        assertThat(Shape.ofPath("/v1/messages")).isEqualTo(Shape.ANTHROPIC);
        assertThat(Shape.ofPath("/v1/messages?beta=true")).isEqualTo(Shape.ANTHROPIC);
        assertThat(Shape.ofPath("/v1/messages/count_tokens")).isEqualTo(Shape.ANTHROPIC);
        assertThat(Shape.ofPath("/v1/messages_x")).isEqualTo(Shape.OPENAI);
        assertThat(Shape.ofPath("/v1/chat/completions")).isEqualTo(Shape.OPENAI);
    }

    @Test
    void anthropicErrorsNameTheTypeItsSdksMapFromTheStatus() {
        assertThat(ErrorResponses.anthropicJson(HttpResponseStatus.TOO_MANY_REQUESTS, "budget_exceeded", "key \"a\" over"))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                        + "\"message\":\"budget_exceeded: key \\\"a\\\" over\"}}");
        assertThat(ErrorResponses.anthropicType(401)).isEqualTo("authentication_error");
        assertThat(ErrorResponses.anthropicType(400)).isEqualTo("invalid_request_error");
        assertThat(ErrorResponses.anthropicType(413)).isEqualTo("request_too_large");
        assertThat(ErrorResponses.anthropicType(502)).isEqualTo("api_error");
        assertThat(ErrorResponses.anthropicType(504)).isEqualTo("timeout_error");
        assertThat(ErrorResponses.anthropicType(529)).isEqualTo("overloaded_error");
        assertThat(ErrorResponses.anthropicType(503)).isEqualTo("overloaded_error");
        assertThat(ErrorResponses.anthropicType(404)).isEqualTo("not_found_error");
        String openAi = ErrorResponses.json("invalid_request_error", "invalid_api_key", "missing API key");
        assertThat(ErrorResponses.anthropicJson(HttpResponseStatus.UNAUTHORIZED, openAi))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                        + "\"message\":\"invalid_api_key: missing API key\"}}");
    }

    @Test
    void aVirtualKeyGoesInTheHeaderTheUpstreamReads() {
        HttpHeaders anthropic = new DefaultHttpHeaders().set("x-api-key", "caller").set("Authorization", "Bearer caller");
        ProxyHandler.replaceCredential(anthropic, "Bearer real", "/v1/messages");
        assertThat(anthropic.get("x-api-key")).isEqualTo("real");
        assertThat(anthropic.contains("Authorization")).isFalse();

        HttpHeaders azure = new DefaultHttpHeaders().set("api-key", "caller");
        ProxyHandler.replaceCredential(azure, "Bearer real", "/openai/deployments/d/chat/completions?api-version=1");
        assertThat(azure.get("api-key")).isEqualTo("real");
        assertThat(azure.contains("Authorization")).isFalse();

        HttpHeaders openai = new DefaultHttpHeaders().set("Authorization", "Bearer caller").set("x-api-key", "caller");
        ProxyHandler.replaceCredential(openai, "Bearer real", "/v1/chat/completions");
        assertThat(openai.get("Authorization")).isEqualTo("Bearer real");
        assertThat(openai.contains("x-api-key")).isFalse();
    }
}

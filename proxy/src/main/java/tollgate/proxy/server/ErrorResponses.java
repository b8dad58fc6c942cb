package tollgate.proxy.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Builds the errors tollgate answers by itself, in OpenAI's shape
 * ({@code {"error":{"message","type","param","code"}}}) so SDKs surface them (SPEC 2); on Anthropic's Messages API in
 * Anthropic's shape ({@code {"type":"error","error":{"type","message"}}}, API reference "Errors"), so its SDKs and
 * Claude Code render them (SPEC 13).
 */
public final class ErrorResponses {
    static final AsciiString SHOULD_RETRY = AsciiString.cached("x-should-retry");
    private static final String MESSAGES_PATH = "/v1/messages";
    private static final ObjectMapper READER = new ObjectMapper();

    private ErrorResponses() {}

    /** The API whose error shape tollgate's own answers take. */
    public enum Shape {
        OPENAI,
        ANTHROPIC;

        /** Anthropic's for {@code /v1/messages} and the paths under it, OpenAI's for every other. */
        public static Shape ofPath(String pathAndQuery) {
            if (!pathAndQuery.startsWith(MESSAGES_PATH)) {
                return OPENAI;
            }
            int n = MESSAGES_PATH.length();
            return pathAndQuery.length() == n || pathAndQuery.charAt(n) == '/' || pathAndQuery.charAt(n) == '?'
                    ? ANTHROPIC : OPENAI;
        }
    }

    public static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String type, String code, String message) {
        return of(alloc, status, type, code, message, Shape.OPENAI);
    }

    public static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String type, String code,
                                      String message, Shape shape) {
        ByteBuf body = alloc.buffer();
        body.writeCharSequence(shape == Shape.ANTHROPIC ? anthropicJson(status, code, message) : json(type, code, message),
                StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        res.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(SHOULD_RETRY, shouldRetry(status) ? "true" : "false");
        return res;
    }

    /**
     * What OpenAI's SDKs read before their own status rules: tollgate's 502/503/504 and timeouts are worth a retry,
     * its 400/401/404/413/505 never are (a budget's 429 says false, a rate limit's true: their callers set it).
     */
    static boolean shouldRetry(HttpResponseStatus status) {
        int c = status.code();
        return c == 408 || c == 409 || c == 429 || (c >= 500 && c != 501 && c != 505);
    }

    public static String json(String type, String code, String message) {
        return "{\"error\":{\"message\":\"" + escape(message) + "\",\"type\":\"" + escape(type)
                + "\",\"param\":null,\"code\":\"" + escape(code) + "\"}}";
    }

    /**
     * Anthropic's shape, its {@code type} by status as Anthropic's errors doc lists them; tollgate's own code leads
     * the message, as the shape has no field for it.
     */
    public static String anthropicJson(HttpResponseStatus status, String code, String message) {
        return "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType(status.code()) + "\",\"message\":\""
                + escape(code + ": " + message) + "\"}}";
    }

    static String anthropicType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    /** An OpenAI-shaped error body of {@link #json} in Anthropic's shape: its code and message kept. */
    public static String anthropicJson(HttpResponseStatus status, String openAiJson) {
        String code = "error";
        String message = "";
        try {
            JsonNode error = READER.readTree(openAiJson).path("error");
            code = error.path("code").asText(code);
            message = error.path("message").asText("");
        } catch (IOException e) {
            message = "tollgate refused the call";
        }
        return anthropicJson(status, code, message);
    }

    public static FullHttpResponse upstreamUnavailable(ByteBufAllocator alloc, @Nullable String detail) {
        return upstreamUnavailable(alloc, detail, Shape.OPENAI);
    }

    public static FullHttpResponse upstreamUnavailable(ByteBufAllocator alloc, @Nullable String detail, Shape shape) {
        return of(alloc, HttpResponseStatus.BAD_GATEWAY, "api_error", "upstream_unavailable",
                "tollgate could not reach the upstream API" + (detail == null ? "" : ": " + detail), shape);
    }

    public static FullHttpResponse upstreamInvalid(ByteBufAllocator alloc, String detail, Shape shape) {
        return of(alloc, HttpResponseStatus.BAD_GATEWAY, "api_error", "upstream_invalid_response",
                "the upstream API sent an answer that is not valid HTTP: " + detail, shape);
    }

    public static FullHttpResponse upstreamTimeout(ByteBufAllocator alloc, String what) {
        return upstreamTimeout(alloc, what, Shape.OPENAI);
    }

    public static FullHttpResponse upstreamTimeout(ByteBufAllocator alloc, String what, Shape shape) {
        return of(alloc, HttpResponseStatus.GATEWAY_TIMEOUT, "api_error", "upstream_timeout",
                "the upstream API did not answer in time (" + what + ")", shape);
    }

    public static FullHttpResponse tooLarge(ByteBufAllocator alloc, long maxBytes) {
        return tooLarge(alloc, maxBytes, Shape.OPENAI);
    }

    public static FullHttpResponse tooLarge(ByteBufAllocator alloc, long maxBytes, Shape shape) {
        return of(alloc, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", "request_too_large",
                "request body is larger than limits.max_request_bytes (" + maxBytes + " bytes)", shape);
    }

    public static FullHttpResponse invalidApiKey(ByteBufAllocator alloc, String message) {
        return of(alloc, HttpResponseStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key", message);
    }

    public static FullHttpResponse badRequest(ByteBufAllocator alloc, String message) {
        return badRequest(alloc, message, Shape.OPENAI);
    }

    public static FullHttpResponse badRequest(ByteBufAllocator alloc, String message, Shape shape) {
        return of(alloc, HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "bad_request", message, shape);
    }

    private static String escape(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }
}

package tollgate.proxy.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
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
 * ({@code {"error":{"message","type","param","code"}}}) so SDKs surface them (SPEC 2).
 */
public final class ErrorResponses {
    static final AsciiString SHOULD_RETRY = AsciiString.cached("x-should-retry");

    private ErrorResponses() {}

    public static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String type, String code, String message) {
        ByteBuf body = alloc.buffer();
        body.writeCharSequence(json(type, code, message), StandardCharsets.UTF_8);
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

    public static FullHttpResponse upstreamUnavailable(ByteBufAllocator alloc, @Nullable String detail) {
        return of(alloc, HttpResponseStatus.BAD_GATEWAY, "api_error", "upstream_unavailable",
                "tollgate could not reach the upstream API" + (detail == null ? "" : ": " + detail));
    }

    public static FullHttpResponse upstreamInvalid(ByteBufAllocator alloc, String detail) {
        return of(alloc, HttpResponseStatus.BAD_GATEWAY, "api_error", "upstream_invalid_response",
                "the upstream API sent an answer that is not valid HTTP: " + detail);
    }

    public static FullHttpResponse upstreamTimeout(ByteBufAllocator alloc, String what) {
        return of(alloc, HttpResponseStatus.GATEWAY_TIMEOUT, "api_error", "upstream_timeout",
                "the upstream API did not answer in time (" + what + ")");
    }

    public static FullHttpResponse tooLarge(ByteBufAllocator alloc, long maxBytes) {
        return of(alloc, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "invalid_request_error", "request_too_large",
                "request body is larger than limits.max_request_bytes (" + maxBytes + " bytes)");
    }

    public static FullHttpResponse invalidApiKey(ByteBufAllocator alloc, String message) {
        return of(alloc, HttpResponseStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key", message);
    }

    public static FullHttpResponse badRequest(ByteBufAllocator alloc, String message) {
        return of(alloc, HttpResponseStatus.BAD_REQUEST, "invalid_request_error", "bad_request", message);
    }

    private static String escape(String s) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }
}

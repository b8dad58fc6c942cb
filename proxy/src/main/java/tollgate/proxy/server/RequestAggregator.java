package tollgate.proxy.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.channel.ChannelPipeline;

/**
 * Aggregates a request body up to {@code limits.max_request_bytes}; past it answers an OpenAI-shaped 413
 * ({@code request_too_large}; Anthropic's shape on {@code /v1/messages}) and closes, so the rest of the body is never read. A client that sent
 * {@code Expect: 100-continue} with a declared length over the limit gets the same 413 instead of its
 * {@code 100 Continue} (curl does so for bodies over 1 MB).
 * <pre>
 *   … → RequestFramingGuard → RequestAggregator → LocalRouteHandler → ProxyHandler
 * </pre>
 */
final class RequestAggregator extends HttpObjectAggregator {
    private final long maxBytes;

    RequestAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
        if (answer instanceof FullHttpResponse res && res.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
            // Netty's own is an empty 413; SDKs read OpenAI's error shape
            res.release();
            FullHttpResponse shaped = ErrorResponses.tooLarge(pipeline.channel().alloc(), maxBytes, shapeOf(start));
            shaped.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return shaped;
        }
        return answer;
    }

    private static ErrorResponses.Shape shapeOf(HttpMessage start) {
        return start instanceof HttpRequest req ? ErrorResponses.Shape.ofPath(req.uri()) : ErrorResponses.Shape.OPENAI;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse res = ErrorResponses.tooLarge(ctx.alloc(), maxBytes, shapeOf(oversized));
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}

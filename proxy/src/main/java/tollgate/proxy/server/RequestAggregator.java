package tollgate.proxy.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;

/**
 * Aggregates a request body up to {@code limits.max_request_bytes}; past it answers an OpenAI-shaped 413
 * ({@code request_too_large}) and closes, so the rest of the body is never read.
 * <pre>
 *   HttpServerCodec → FlowControlHandler → keep-alive → RequestAggregator → ProxyHandler
 * </pre>
 */
final class RequestAggregator extends HttpObjectAggregator {
    private final long maxBytes;

    RequestAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        FullHttpResponse res = ErrorResponses.tooLarge(ctx.alloc(), maxBytes);
        res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
    }
}

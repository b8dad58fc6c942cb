package tollgate.proxy.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * Refuses requests whose framing is ambiguous: {@code Content-Length} together with {@code Transfer-Encoding}
 * (a request smuggling vector, RFC 9112 6.1), and requests the codec could not decode. Answers 400 and closes.
 * <pre>
 *   HttpServerCodec → … → RequestFramingGuard → RequestAggregator
 * </pre>
 */
final class RequestFramingGuard extends ChannelInboundHandlerAdapter {
    private boolean refusing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            boolean both = req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)
                    && req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING);
            if (both || req.decoderResult().isFailure()) {
                refusing = true;
                ReferenceCountUtil.release(msg);
                FullHttpResponse res = ErrorResponses.badRequest(ctx.alloc(), both
                        ? "request has both Content-Length and Transfer-Encoding"
                        : "malformed HTTP request");
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            refusing = false;
        } else if (refusing && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}

package tollgate.proxy.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * Every request head is checked here, once, before anything routes or meters it:
 * <ul>
 *   <li>400 for what the codec could not decode, for {@code Content-Length} together with {@code Transfer-Encoding}
 *       (a request smuggling vector, RFC 9112 6.1), and for HTTP/1.1 without exactly one {@code Host}
 *       (RFC 9112 3.2);</li>
 *   <li>505 for a version other than HTTP/1.0 and HTTP/1.1;</li>
 *   <li>the target is replaced by its canonical path and query ({@link RequestTarget}), or refused with 400, so the
 *       handlers after this one read {@code uri()} as a canonical origin-form path.</li>
 * </ul>
 * A refused request is answered and its connection closed.
 * <pre>
 *   HttpServerCodec → … → RequestHeadGuard → RequestAggregator
 * </pre>
 */
final class RequestHeadGuard extends ChannelInboundHandlerAdapter {
    private boolean refusing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            FullHttpResponse refusal = check(ctx, req);
            if (refusal != null) {
                refusing = true;
                ReferenceCountUtil.release(msg);
                refusal.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            refusing = false;
        } else if (refusing && msg instanceof HttpContent) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    private static @Nullable FullHttpResponse check(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            return ErrorResponses.badRequest(ctx.alloc(), "malformed HTTP request");
        }
        HttpVersion v = req.protocolVersion();
        if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
            return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "invalid_request_error",
                    "http_version_not_supported", "tollgate speaks HTTP/1.1 (and HTTP/1.0)");
        }
        if (req.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return ErrorResponses.badRequest(ctx.alloc(), "request has both Content-Length and Transfer-Encoding");
        }
        if (v.equals(HttpVersion.HTTP_1_1)) {
            Iterator<? extends CharSequence> hosts = req.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
            if (!hosts.hasNext()) {
                return ErrorResponses.badRequest(ctx.alloc(), "HTTP/1.1 request without a Host header");
            }
            hosts.next();
            if (hosts.hasNext()) {
                return ErrorResponses.badRequest(ctx.alloc(), "request has more than one Host header");
            }
        }
        RequestTarget.Result target = RequestTarget.canonical(req.uri());
        if (target instanceof RequestTarget.Refused r) {
            return ErrorResponses.badRequest(ctx.alloc(), r.reason());
        }
        String canonical = ((RequestTarget.Canonical) target).pathAndQuery();
        if (!canonical.equals(req.uri())) {
            req.setUri(canonical);
        }
        return null;
    }
}

package tollgate.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
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
 * A refused request is answered (in Anthropic's error shape on {@code /v1/messages}, else OpenAI's) and its
 * connection closed, lingering so the answer is not lost to a reset.
 * <pre>
 *   HttpServerCodec → … → RequestHeadGuard → RequestAggregator
 * </pre>
 */
final class RequestHeadGuard extends ChannelInboundHandlerAdapter {
    /** How long a refused connection reads and drops what its client still sends before it is closed. */
    static final long LINGER_MILLIS = 2_000;

    /** A request was refused: the connection is closing, and nothing more it sends is read as a request. */
    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            FullHttpResponse refusal = check(ctx, req);
            if (refusal != null) {
                refused = true;
                ReferenceCountUtil.release(msg);
                refusal.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                // written past HttpServerKeepAliveHandler, which would close at once on Connection: close
                ChannelHandlerContext out = ctx.pipeline().context(HttpServerKeepAliveHandler.class);
                (out != null ? out : ctx).writeAndFlush(refusal).addListener(f -> lingeringClose(ctx));
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Closes after a refusal without losing the answer: once it is sent, the sending side is shut (FIN) and what the
     * client still sends of its request is read and dropped, until it closes or for {@link #LINGER_MILLIS}. Closing
     * with unread bytes would make the kernel reset the connection, and a client still writing its body would see
     * the reset instead of the answer.
     */
    static void lingeringClose(ChannelHandlerContext ctx) {
        if (ctx.channel() instanceof DuplexChannel d && d.isActive()) {
            d.shutdownOutput();
            ctx.executor().schedule(() -> {
                ctx.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            ctx.close();
        }
    }

    private static @Nullable FullHttpResponse check(ChannelHandlerContext ctx, HttpRequest req) {
        // refused on Anthropic's Messages API, the answer is in its shape (SPEC 13), so its SDKs render it
        ErrorResponses.Shape shape = ErrorResponses.Shape.ofPath(req.uri());
        if (req.decoderResult().isFailure()) {
            return ErrorResponses.badRequest(ctx.alloc(), "malformed HTTP request", shape);
        }
        HttpVersion v = req.protocolVersion();
        if (!v.equals(HttpVersion.HTTP_1_1) && !v.equals(HttpVersion.HTTP_1_0)) {
            return ErrorResponses.of(ctx.alloc(), HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "invalid_request_error",
                    "http_version_not_supported", "tollgate speaks HTTP/1.1 (and HTTP/1.0)", shape);
        }
        if (req.headers().contains(HttpHeaderNames.CONTENT_LENGTH) && req.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return ErrorResponses.badRequest(ctx.alloc(), "request has both Content-Length and Transfer-Encoding", shape);
        }
        if (v.equals(HttpVersion.HTTP_1_1)) {
            Iterator<? extends CharSequence> hosts = req.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
            if (!hosts.hasNext()) {
                return ErrorResponses.badRequest(ctx.alloc(), "HTTP/1.1 request without a Host header", shape);
            }
            hosts.next();
            if (hosts.hasNext()) {
                return ErrorResponses.badRequest(ctx.alloc(), "request has more than one Host header", shape);
            }
        }
        RequestTarget.Result target = RequestTarget.canonical(req.uri());
        if (target instanceof RequestTarget.Refused r) {
            return ErrorResponses.badRequest(ctx.alloc(), r.reason(), shape);
        }
        String canonical = ((RequestTarget.Canonical) target).pathAndQuery();
        if (!canonical.equals(req.uri())) {
            req.setUri(canonical);
        }
        return null;
    }
}

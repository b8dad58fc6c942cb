package tollgate.proxy.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.channel.ChannelPipeline;
import io.netty.util.ReferenceCountUtil;

/**
 * Aggregates a request body up to {@code limits.max_request_bytes}; past it answers an OpenAI-shaped 413
 * ({@code request_too_large}; Anthropic's shape on {@code /v1/messages}) and closes, so the rest of the body is never read. A client that sent
 * {@code Expect: 100-continue} with a declared length over the limit gets the same 413 instead of its
 * {@code 100 Continue} (curl does so for bodies over 1 MB).
 *
 * <p>A file upload ({@code POST} with a {@code multipart/form-data} body, to any path but tollgate's own) is not
 * aggregated: its head and chunks pass on as they arrive ({@link ProxyHandler} admits it on its first bytes and
 * forwards it with backpressure), after the same 413 for a declared length over the limit and the same
 * {@code 100 Continue}; a chunked upload's size is checked as it streams.
 * <pre>
 *   … → RequestFramingGuard → RequestAggregator → LocalRouteHandler → ProxyHandler
 * </pre>
 */
final class RequestAggregator extends HttpObjectAggregator {
    private static final String MULTIPART = "multipart/form-data";

    private final long maxBytes;
    /** The body of a streamed upload is passing through. */
    private boolean streaming;
    /** A streamed upload was refused (413): what remains of its body is dropped while the connection closes. */
    private boolean discarding;

    RequestAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (streaming || discarding) {
            if (msg instanceof LastHttpContent) {
                streaming = false;
            }
            if (discarding) {
                ReferenceCountUtil.release(msg);
            } else {
                ctx.fireChannelRead(msg);
            }
            return;
        }
        if (msg instanceof HttpRequest req && !(msg instanceof FullHttpRequest) && streamed(req)) {
            startStreaming(ctx, req);
            return;
        }
        super.channelRead(ctx, msg);
    }

    /**
     * A {@code POST} of {@code multipart/form-data} to a forwarded path, with no expectation but {@code 100-continue}:
     * an upload, streamed instead of aggregated.
     */
    static boolean streamed(HttpRequest req) {
        if (!HttpMethod.POST.equals(req.method()) || !req.decoderResult().isSuccess()) {
            return false;
        }
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (type == null || !type.regionMatches(true, 0, MULTIPART, 0, MULTIPART.length())) {
            return false;
        }
        String expect = req.headers().get(HttpHeaderNames.EXPECT);
        if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim())) {
            return false;
        }
        // RequestHeadGuard made the target canonical; tollgate's own routes read whole bodies
        return !LocalRoutes.reserved(RequestTarget.path(req.uri()));
    }

    private void startStreaming(ChannelHandlerContext ctx, HttpRequest req) {
        if (HttpUtil.getContentLength(req, -1L) > maxBytes) {
            discarding = true;
            handleOversizedMessage(ctx, req);
            return;
        }
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        streaming = true;
        ctx.fireChannelRead(req);
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

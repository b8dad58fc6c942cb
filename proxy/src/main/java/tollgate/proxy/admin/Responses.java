package tollgate.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** Small fixed answers of the local routes. */
final class Responses {
    private Responses() {}

    static FullHttpResponse text(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, CharSequence body) {
        ByteBuf buf = ctx.alloc().buffer(body.length());
        buf.writeCharSequence(body, StandardCharsets.UTF_8);
        return bytes(status, contentType, buf);
    }

    static FullHttpResponse bytes(HttpResponseStatus status, String contentType, ByteBuf buf) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, buf);
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, buf.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return res;
    }

    static FullHttpResponse json(ChannelHandlerContext ctx, HttpResponseStatus status, CharSequence body) {
        return text(ctx, status, "application/json", body);
    }
}

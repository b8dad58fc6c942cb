package tollgate.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;

/**
 * Last handler of an upstream connection: hands what the upstream sends to the call currently using the
 * connection, and releases anything that arrives while no call owns it.
 */
public final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    /** What a call does with its upstream connection's events. */
    public interface Listener {
        void onUpstreamMessage(Object msg);

        void onUpstreamReadComplete();

        void onUpstreamInactive();

        void onUpstreamException(Throwable cause);

        /** The connection can take more writes again, or can no longer (a streamed request body's backpressure). */
        default void onUpstreamWritabilityChanged() {}
    }

    private @Nullable Listener listener;
    /** An informational answer (1xx) was dropped: the empty end the codec gives it goes too. */
    private boolean afterInformational;

    public static void bind(Channel ch, @Nullable Listener listener) {
        UpstreamHandler h = ch.pipeline().get(UpstreamHandler.class);
        if (h != null) {
            h.listener = listener;
            h.afterInformational = false;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Listener l = listener;
        if (l == null) {
            // nobody asked: a stray response on an idle pooled connection; it cannot be reused safely
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        if (informational(msg)) {
            return;
        }
        l.onUpstreamMessage(msg);
    }

    /**
     * An upstream may send 1xx answers before its answer (100 Continue unasked, 102, a CDN's 103 Early Hints: RFC
     * 9110 section 15.2 says a client must take them); they are not the answer, so the call never sees them. The
     * codec gives each a head and an empty end, and keeps reading the answer after it. A 101 goes on (tollgate never
     * asks to switch protocols: the call treats it as the answer it cannot relay).
     */
    private boolean informational(Object msg) {
        if (msg instanceof HttpResponse head) {
            HttpResponseStatus status = head.status();
            if (status.codeClass() == HttpStatusClass.INFORMATIONAL
                    && status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                afterInformational = !(msg instanceof LastHttpContent);
                ReferenceCountUtil.release(msg);
                return true;
            }
        } else if (afterInformational && msg instanceof LastHttpContent last && !last.content().isReadable()) {
            afterInformational = false;
            last.release();
            return true;
        }
        afterInformational = false;
        return false;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Listener l = listener;
        if (l != null) {
            l.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Listener l = listener;
        if (l != null) {
            l.onUpstreamWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Listener l = listener;
        listener = null;
        if (l != null) {
            l.onUpstreamInactive();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Listener l = listener;
        if (l != null) {
            l.onUpstreamException(cause);
        }
        ctx.close();
    }
}

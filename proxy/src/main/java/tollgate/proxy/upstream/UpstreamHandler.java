package tollgate.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

    public static void bind(Channel ch, @Nullable Listener listener) {
        UpstreamHandler h = ch.pipeline().get(UpstreamHandler.class);
        if (h != null) {
            h.listener = listener;
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
        l.onUpstreamMessage(msg);
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

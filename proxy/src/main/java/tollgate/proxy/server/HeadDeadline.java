package tollgate.proxy.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code timeouts.headers}: a request head must be complete within this long of its first byte, and a new
 * connection must send one within this long of being accepted; otherwise the connection is closed (a slow-header
 * client holds no connection for {@code timeouts.idle}). Between requests on a keep-alive connection nothing is
 * timed here ({@code timeouts.idle} applies), and a call in progress is never timed by this.
 * <p>Two handlers share the timer: this one before the codec sees bytes arrive, {@link #seen()} after it sees heads
 * and request ends.
 * <pre>
 *   HeadDeadline → HttpServerCodec → HeadDeadline.seen() → NextRead → …
 * </pre>
 */
final class HeadDeadline extends ChannelInboundHandlerAdapter {
    private final long nanos;
    /** True while a call is being answered on this connection: its bytes are not cut by this timer. */
    private final BooleanSupplier answering;
    private @Nullable ChannelHandlerContext ctx;
    private @Nullable ScheduledFuture<?> timer;
    /** No head since the connection opened or since the last request's body ended. */
    private boolean awaitingHead = true;
    /** Bytes have arrived after the last request ended (a head has begun). */
    private boolean headBegun;

    HeadDeadline(long nanos, BooleanSupplier answering) {
        this.nanos = nanos;
        this.answering = answering;
    }

    /** The handler after the codec, reporting heads and request ends to this one. */
    ChannelInboundHandlerAdapter seen() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    headArrived();
                }
                if (msg instanceof LastHttpContent) {
                    awaitingHead = true;
                    headBegun = false;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        if (ctx.channel().isActive()) {
            arm();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // line ends alone do not begin a head: the codec skips them (some clients put a CRLF after a body), and
        // an idle keep-alive connection they arrive on is timed by timeouts.idle, not closed as a slow head
        if (awaitingHead && !headBegun && !(msg instanceof ByteBuf b && onlyLineEnds(b))) {
            headBegun = true;
            arm();
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean onlyLineEnds(ByteBuf b) {
        return b.forEachByte(v -> v == '\r' || v == '\n') == -1;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    private void headArrived() {
        awaitingHead = false;
        cancel();
    }

    private void arm() {
        ChannelHandlerContext c = ctx;
        if (c != null && timer == null) {
            timer = c.executor().schedule(this::expired, nanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancel() {
        ScheduledFuture<?> t = timer;
        if (t != null) {
            t.cancel(false);
            timer = null;
        }
    }

    private void expired() {
        timer = null;
        ChannelHandlerContext c = ctx;
        if (awaitingHead && c != null) {
            if (answering.getAsBoolean()) {
                // bytes after a request's end while its call is answered (a stray CRLF after a body, which the
                // codec skips, or a pipelined head still coming): the call is not cut; the head is timed again
                arm();
                return;
            }
            // no answer: a 408 could land inside the bytes of a call answered just before
            c.close();
        }
    }
}

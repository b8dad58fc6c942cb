package tollgate.proxy.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import tollgate.proxy.relay.BodyReads;

/**
 * One request at a time per connection, without a system call per request. The handler that takes a request
 * calls {@link #pause()} and, once its answer is complete, {@link #resume()}. Pausing only marks the connection
 * busy: clients that wait for each answer before they send the next request (nearly all of them) never touch
 * {@code autoRead}, which on epoll costs two {@code epoll_ctl} calls per request. Whatever arrives while busy (a
 * pipelined request, or a part of one) is held here in arrival order and only then is reading stopped, so what is
 * held is bounded by what the codec decoded from the reads already done; {@link #resume()} hands the held
 * messages on, one request's worth at a time, and reads again once nothing is held.
 *
 * <p>A request whose body is streamed (a multipart upload, see {@link RequestAggregator}) is taken at its head: the
 * rest of that request's body still passes while busy, and holding starts after its last chunk. Its consumer stops
 * and resumes reading through {@link BodyReads} (backpressure from the upstream); reading runs only when neither
 * that nor a held message stops it.
 * <pre>
 *   HttpServerCodec → NextRead → … → LocalRouteHandler / ProxyHandler (pause on taking a request, resume when answered)
 * </pre>
 */
final class NextRead extends ChannelInboundHandlerAdapter implements BodyReads {
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    private @Nullable ChannelHandlerContext ctx;
    private boolean busy;
    /** A request's head has been handed on and its last chunk not yet: its body passes even while busy. */
    private boolean inBody;
    private boolean stoppedReading;
    /** The streamed body's consumer cannot take more (see {@link BodyReads}). */
    private boolean bodyPaused;
    private boolean replayScheduled;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** True from {@link #pause()} to {@link #resume()}: a request's call is being answered. */
    boolean busy() {
        return busy;
    }

    /** A request was taken: hold whatever comes next until {@link #resume()}. */
    void pause() {
        busy = true;
    }

    /** The request's answer is complete: hand on what was held, then read again. Event loop only. */
    void resume() {
        busy = false;
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        if (held.isEmpty()) {
            readAgain(c);
            return;
        }
        // not from inside the caller's stack (an answer completes deep in the upstream's pipeline): a task
        if (!replayScheduled) {
            replayScheduled = true;
            c.executor().execute(this::replay);
        }
    }

    private void replay() {
        replayScheduled = false;
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        Object msg;
        while ((!busy || inBody) && (msg = held.poll()) != null) {
            handOn(c, msg);
        }
        if ((!busy || inBody) && held.isEmpty()) {
            readAgain(c);
            c.fireChannelReadComplete();
        }
    }

    /** Nothing held and nothing in progress (or a streamed body being read): reading resumes if a held message had stopped it. */
    private void readAgain(ChannelHandlerContext c) {
        if (stoppedReading) {
            stoppedReading = false;
            applyAutoRead(c);
        }
    }

    private void applyAutoRead(ChannelHandlerContext c) {
        boolean read = !stoppedReading && !bodyPaused;
        if (c.channel().isActive() && c.channel().config().isAutoRead() != read) {
            c.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void pauseBody() {
        bodyPaused = true;
        ChannelHandlerContext c = ctx;
        if (c != null) {
            applyAutoRead(c);
        }
    }

    @Override
    public void resumeBody() {
        bodyPaused = false;
        ChannelHandlerContext c = ctx;
        if (c != null) {
            applyAutoRead(c);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if ((busy && !inBody) || !held.isEmpty()) {
            held.add(msg);
            if (!stoppedReading) {
                stoppedReading = true;
                applyAutoRead(ctx);
            }
            return;
        }
        handOn(ctx, msg);
    }

    private void handOn(ChannelHandlerContext c, Object msg) {
        if (msg instanceof HttpRequest) {
            inBody = !(msg instanceof LastHttpContent);
        } else if (msg instanceof LastHttpContent) {
            inBody = false;
        }
        c.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (held.isEmpty()) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseHeld();
        this.ctx = null;
    }

    private void releaseHeld() {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}

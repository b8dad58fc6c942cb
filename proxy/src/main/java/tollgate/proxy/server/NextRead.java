package tollgate.proxy.server;

import io.netty.channel.ChannelHandlerContext;

/**
 * Asks for a connection's next request once the current one is answered ({@code autoRead} is off). An answer
 * given during the read that delivered its request asks in a task of its own, after that read cycle:
 * {@link io.netty.handler.flow.FlowControlHandler} counts a {@code read()} made inside the cycle as satisfied
 * by it, and the next request would then sit in its queue.
 */
final class NextRead {
    private boolean inRead;

    void enter() {
        inRead = true;
    }

    void exit() {
        inRead = false;
    }

    /** Reads the next request now, or once the current read cycle is over. */
    void request(ChannelHandlerContext ctx) {
        if (inRead) {
            ctx.executor().execute(() -> read(ctx));
        } else {
            read(ctx);
        }
    }

    private static void read(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.read();
        }
    }
}

package tollgate.proxy.server;

import io.netty.channel.ChannelHandlerContext;

/**
 * One request at a time per connection: reading pauses when a request is taken ({@code autoRead} off, so
 * {@link io.netty.handler.flow.FlowControlHandler} holds a pipelined request already decoded) and resumes when its
 * answer is complete. Toggling {@code autoRead} rather than leaving it off and calling {@code read()} per request:
 * a {@code read()} issued inside the read cycle that delivered the request is counted by
 * {@code FlowControlHandler} as satisfied by that cycle, and a keep-alive connection then stalls (the dashboard's
 * browser test caught it).
 */
final class NextRead {
    private NextRead() {}

    static void pause(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
    }

    /** Reads the connection's next request (setting {@code autoRead} asks the channel for a read). */
    static void resume(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
        }
    }
}

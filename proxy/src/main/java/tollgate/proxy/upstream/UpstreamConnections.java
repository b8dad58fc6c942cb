package tollgate.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;

/**
 * Where an exchange gets its upstream connection: {@link UpstreamPool} in the server, a scripted channel in
 * the relay's {@code EmbeddedChannel} tests. Called on the client's event loop.
 */
public interface UpstreamConnections {
    UpstreamTarget target();

    /** Calls {@code waiter} back on {@code loop}, before returning when a pooled connection is at hand. */
    void acquire(EventLoop loop, UpstreamPool.Waiter waiter);

    /** Gives a connection back; a closed one, or one the call did not finish cleanly, is dropped. */
    void release(Channel ch);
}

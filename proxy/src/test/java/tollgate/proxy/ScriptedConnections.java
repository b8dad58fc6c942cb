package tollgate.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.proxy.upstream.UpstreamConnections;
import tollgate.proxy.upstream.UpstreamPool;
import tollgate.proxy.upstream.UpstreamTarget;

/** Hands out the one upstream channel (an {@code EmbeddedChannel}), synchronously, and records what comes back. */
public final class ScriptedConnections implements UpstreamConnections {
    private final Channel channel;
    private final UpstreamTarget target;
    public final List<Channel> released = new ArrayList<>();
    public int acquired;
    /** Acquiring waits for {@link #completeAcquire()} (a connection being opened). */
    public boolean deferAcquire;
    private UpstreamPool.@Nullable Waiter waiter;

    public ScriptedConnections(Channel channel) {
        this.channel = channel;
        try {
            this.target = UpstreamTarget.of(URI.create("http://upstream.test"), null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public UpstreamTarget target() {
        return target;
    }

    @Override
    public void acquire(EventLoop loop, UpstreamPool.Waiter waiter) {
        acquired++;
        if (deferAcquire) {
            this.waiter = waiter;
        } else {
            waiter.onAcquired(channel);
        }
    }

    /** The connection a deferred {@link #acquire} was waiting for is ready. */
    public void completeAcquire() {
        UpstreamPool.Waiter w = waiter;
        assertThat(w).isNotNull();
        waiter = null;
        w.onAcquired(channel);
    }

    @Override
    public void release(Channel ch) {
        released.add(ch);
    }
}

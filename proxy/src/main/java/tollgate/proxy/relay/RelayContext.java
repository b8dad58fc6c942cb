package tollgate.proxy.relay;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import tollgate.config.Timeouts;
import tollgate.proxy.upstream.Routes;
import tollgate.proxy.upstream.UpstreamConnections;

/**
 * What every exchange of a server shares: the upstream pool, the routes to other upstreams (SPEC 13), the timeouts,
 * the bound on held-back bytes, and where the relay reports its events (metrics).
 *
 * @param pool the one upstream of SPEC 1, used when there are no routes
 * @param maxHeldBytes most undecided response bytes one call holds back before it passes bytes through as they are
 * @param routes the routes in effect, read once per call (a reload replaces them)
 */
public record RelayContext(UpstreamConnections pool, Timeouts timeouts, int maxHeldBytes, Events events,
                           Supplier<Routes> routes) {
    public RelayContext(UpstreamConnections pool, Timeouts timeouts, int maxHeldBytes, Events events) {
        this(pool, timeouts, maxHeldBytes, events, () -> Routes.NONE);
    }

    /** What the relay counts. Called on event loops: must be cheap and thread-safe. */
    public interface Events {
        /** A slow client made the relay stop reading an upstream (backpressure). */
        void pausedUpstream();

        /** A call held back more than {@code maxHeldBytes} and now passes its bytes through unedited. */
        void heldBackOverflow();

        /** A connection to an upstream could not be opened: a route's ({@code provider}), else the one upstream (null). */
        default void upstreamConnectFailed(@Nullable String provider) {}
    }
}

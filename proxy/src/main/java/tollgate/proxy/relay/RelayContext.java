package tollgate.proxy.relay;

import tollgate.config.Timeouts;
import tollgate.proxy.upstream.UpstreamConnections;

/**
 * What every exchange of a server shares: the upstream pool, the timeouts, the bound on held-back bytes, and
 * where the relay reports its events (metrics).
 *
 * @param maxHeldBytes most undecided response bytes one call holds back before it passes bytes through as they are
 */
public record RelayContext(UpstreamConnections pool, Timeouts timeouts, int maxHeldBytes, Events events) {
    /** What the relay counts. Called on event loops: must be cheap and thread-safe. */
    public interface Events {
        /** A slow client made the relay stop reading an upstream (backpressure). */
        void pausedUpstream();

        /** A call held back more than {@code maxHeldBytes} and now passes its bytes through unedited. */
        void heldBackOverflow();
    }
}

package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.ByteBuffer;

/**
 * A received call as metering sees it: method, path (no query), headers and the aggregated body's bytes (one
 * buffer per component, not copied). Valid only during {@link CallGate#admit}, unless {@link #holdBody} keeps the
 * bytes for longer.
 *
 * @param holdBody keeps the body's bytes alive past forwarding and returns what lets go of them (metering reads
 *     the prompt when a call ends without usage)
 */
public record CallRequest(String method, String path, HttpHeaders headers, ByteBuffer[] body, BodyHold holdBody,
                          long receivedNanos) {
    /** Retains the request body; the returned action releases it (once). */
    @FunctionalInterface
    public interface BodyHold {
        Runnable retain();
    }
}

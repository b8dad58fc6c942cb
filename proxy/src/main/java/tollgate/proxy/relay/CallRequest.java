package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A received call as metering sees it: method, path (no query), headers and the aggregated body's bytes (one
 * buffer per component, not copied), or a streamed upload's first bytes. Valid only during {@link CallGate#admit},
 * unless {@link #holdBody} keeps the bytes for longer.
 *
 * @param bodyBytes the whole body's length: the bytes of {@code body}, or for a streamed upload its declared
 *     {@code Content-Length} ({@code limits.max_request_bytes} when it is sent chunked), the most its file can hold
 * @param holdBody keeps the body's bytes alive past forwarding and returns what lets go of them (metering reads
 *     the prompt when a call ends without usage)
 * @param provider the provider of the route the call goes through (SPEC 13), null without routes: its prices
 *     ({@code provider/model}, then {@code model}) are those the budget reserves at, as billing prices the call
 */
public record CallRequest(String method, String path, HttpHeaders headers, ByteBuffer[] body, long bodyBytes,
                          BodyHold holdBody, long receivedNanos, @Nullable String provider) {
    /** Retains the request body; the returned action releases it (once). */
    @FunctionalInterface
    public interface BodyHold {
        Runnable retain();
    }
}

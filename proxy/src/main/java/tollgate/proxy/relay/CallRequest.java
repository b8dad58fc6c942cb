package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpHeaders;
import java.nio.ByteBuffer;

/**
 * A received call as metering sees it: method, path (no query), headers and the aggregated body.
 * Valid only during {@link CallGate#admit}; the body buffer must not be kept.
 */
public record CallRequest(String method, String path, HttpHeaders headers, ByteBuffer body, long receivedNanos) {}

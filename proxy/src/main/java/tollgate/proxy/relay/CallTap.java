package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import tollgate.metering.call.CallEnd;

/**
 * What the relay tells metering about one call. It looks at bytes and keeps none; when it holds back it
 * names the byte ranges the relay must not forward (the injected usage-only SSE chunk, SPEC 2).
 */
public interface CallTap {
    CallTap NONE = new CallTap() {
        @Override
        public void onResponseHead(HttpResponse head) {}

        @Override
        public void onBytes(ByteBuffer bytes) {}

        @Override
        public void onEnd() {}

        @Override
        public void onFinish(CallEnd end) {}
    };

    /** True when the tap reads the request body too ({@link #onRequestBytes}): a transcription's upload. */
    default boolean readsRequestBody() {
        return false;
    }

    /** Sees request body bytes as they go upstream, in order (must not change the buffer's position). */
    default void onRequestBytes(ByteBuffer bytes) {}

    /** The request body has passed whole. */
    default void onRequestEnd() {}

    void onResponseHead(HttpResponse head);

    /** Sees response body bytes as they pass (must not change the buffer's position). */
    void onBytes(ByteBuffer bytes);

    void onEnd();

    /** True when the relay must hold bytes until {@link #releasableOffset()} says they are decided. */
    default boolean holdsBack() {
        return false;
    }

    default long releasableOffset() {
        return Long.MAX_VALUE;
    }

    default List<long[]> takeDroppedRanges() {
        return List.of();
    }

    /**
     * The relay holds more than its cap of undecided bytes (an event that never ends): from now on the tap
     * holds nothing back and the bytes pass through as they are.
     */
    default void stopHoldingBack() {}

    /**
     * The call goes through a route of this provider (SPEC 13): its record says so, and with {@code trustCost} a cost
     * the provider reports is the call's cost. Called before the call starts.
     */
    default void provider(String name, boolean trustCost) {}

    /** Called once when the exchange ends, whatever the outcome. */
    void onFinish(CallEnd end);
}

package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.budget.KeyBudget;
import tollgate.metering.budget.Reservation;
import tollgate.metering.usage.Endpoint;
import tollgate.metering.usage.RequestInfo;
import tollgate.metering.usage.ResponseMeter;

/**
 * The tap of one call: feeds response bytes to a {@link ResponseMeter} on the event loop (it keeps no body),
 * and hands the finished call to {@link CallAccounting}, which prices and records it off the I/O threads.
 */
public final class MeteredCall implements CallTap {
    private final CallAccounting accounting;
    private final String keyId;
    private final String path;
    private final @Nullable Endpoint endpoint;
    private final @Nullable RequestInfo request;
    private final boolean usageInjected;
    private final @Nullable String user;
    private final Map<String, String> tags;
    private final KeyBudget budget;
    private final @Nullable Reservation reservation;
    private @Nullable ResponseMeter meter;
    private @Nullable String requestId;

    MeteredCall(CallAccounting accounting, String keyId, String path, @Nullable RequestInfo request, boolean usageInjected,
                @Nullable String user, Map<String, String> tags, KeyBudget budget, @Nullable Reservation reservation) {
        this.accounting = accounting;
        this.keyId = keyId;
        this.path = path;
        this.request = request;
        this.endpoint = request == null ? null : request.endpoint();
        this.usageInjected = usageInjected;
        this.user = user;
        this.tags = tags;
        this.budget = budget;
        this.reservation = reservation;
    }

    @Override
    public void onResponseHead(HttpResponse head) {
        requestId = head.headers().get("x-request-id");
        if (endpoint != null) {
            meter = ResponseMeter.create(endpoint, head.status().code(), head.headers().get(HttpHeaderNames.CONTENT_TYPE), usageInjected);
        }
    }

    @Override
    public void onBytes(ByteBuffer bytes) {
        ResponseMeter m = meter;
        if (m != null) {
            m.onBytes(bytes);
        }
    }

    @Override
    public void onEnd() {
        ResponseMeter m = meter;
        if (m != null) {
            m.onEnd();
        }
    }

    @Override
    public boolean holdsBack() {
        ResponseMeter m = meter;
        return m != null && m.holdsBack();
    }

    @Override
    public long releasableOffset() {
        ResponseMeter m = meter;
        return m == null ? Long.MAX_VALUE : m.releasableOffset();
    }

    @Override
    public List<long[]> takeDroppedRanges() {
        ResponseMeter m = meter;
        return m == null ? List.of() : m.takeDroppedRanges();
    }

    @Override
    public void onFinish(ExchangeResult result) {
        accounting.finish(new FinishedCall(keyId, path, request, meter, user, tags, budget, reservation, requestId, result));
    }

    /** What accounting needs of a finished call; safe to hand to another thread (the loop no longer touches it). */
    record FinishedCall(String keyId, String path, @Nullable RequestInfo request, @Nullable ResponseMeter meter,
                        @Nullable String user, Map<String, String> tags, KeyBudget budget,
                        @Nullable Reservation reservation, @Nullable String requestId, ExchangeResult result) {}
}

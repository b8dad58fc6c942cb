package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.metering.call.CallAccounting;
import tollgate.metering.call.CallEnd;
import tollgate.metering.call.FinishedCall;
import tollgate.metering.call.MeteredRequest;
import tollgate.metering.usage.ResponseMeter;

/**
 * The tap of one call: feeds response bytes to a {@link ResponseMeter} on the event loop (it keeps no body),
 * and hands the finished call to {@link CallAccounting}, which prices and records it off the I/O threads.
 */
public final class MeteredCall implements CallTap {
    private final CallAccounting accounting;
    private MeteredRequest request;
    private final Runnable releaseBody;
    private @Nullable ResponseMeter meter;
    private @Nullable String requestId;
    private boolean passThrough;
    private @Nullable ContentInflater inflater;

    MeteredCall(CallAccounting accounting, MeteredRequest request) {
        this(accounting, request, () -> { });
    }

    /** @param releaseBody lets go of the request body once the call is recorded (see {@link CallRequest#holdBody}) */
    MeteredCall(CallAccounting accounting, MeteredRequest request, Runnable releaseBody) {
        this.accounting = accounting;
        this.request = request;
        this.releaseBody = releaseBody;
    }

    @Override
    public void provider(String name, boolean trustCost) {
        request = request.withProvider(name, trustCost);
    }

    @Override
    public void onResponseHead(HttpResponse head) {
        requestId = head.headers().get("x-request-id");
        if (request.request() == null) {
            return;
        }
        ResponseMeter m = ResponseMeter.create(request.request().endpoint(), head.status().code(),
                head.headers().get(HttpHeaderNames.CONTENT_TYPE), request.usageInjected());
        meter = m;
        String coding = head.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (coding != null && !coding.isBlank() && !coding.trim().equalsIgnoreCase("identity")) {
            // the upstream compressed its answer although asked for identity: the client gets its bytes as sent
            // (nothing can be cut from compressed bytes, so nothing is held back) and metering reads them inflated
            passThrough = true;
            inflater = ContentInflater.of(coding);
            if (inflater == null) {
                m.unreadableEncoding();
            }
        }
    }

    @Override
    public void onBytes(ByteBuffer bytes) {
        ResponseMeter m = meter;
        if (m == null) {
            return;
        }
        ContentInflater in = inflater;
        if (in == null) {
            m.onBytes(bytes);
        } else if (!in.inflate(bytes, m::onBytes)) {
            m.unreadableEncoding();
            closeInflater();
        }
    }

    @Override
    public void onEnd() {
        ResponseMeter m = meter;
        ContentInflater in = inflater;
        if (m != null && in != null && !in.finish(m::onBytes)) {
            m.unreadableEncoding();
        }
        closeInflater();
        if (m != null) {
            m.onEnd();
        }
    }

    private void closeInflater() {
        ContentInflater in = inflater;
        inflater = null;
        if (in != null) {
            in.close();
        }
    }

    @Override
    public boolean holdsBack() {
        ResponseMeter m = meter;
        return !passThrough && m != null && m.holdsBack();
    }

    @Override
    public long releasableOffset() {
        ResponseMeter m = meter;
        return m == null || passThrough ? Long.MAX_VALUE : m.releasableOffset();
    }

    @Override
    public List<long[]> takeDroppedRanges() {
        ResponseMeter m = meter;
        return m == null || passThrough ? List.of() : m.takeDroppedRanges();
    }

    @Override
    public void stopHoldingBack() {
        passThrough = true;
    }

    @Override
    public void onFinish(CallEnd end) {
        closeInflater();
        accounting.finish(new FinishedCall(request, meter, requestId, end, releaseBody));
    }
}

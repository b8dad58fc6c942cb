package tollgate.metering.call;

import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.ResponseMeter;

/**
 * A call that has ended, as handed from the event loop to the accounting thread (the loop no longer touches
 * the meter once this exists).
 *
 * @param releaseBody lets go of the request body's bytes, which the request's lazy prompt tree reads; run once,
 *     after the call is recorded (or its record is dropped)
 */
public record FinishedCall(MeteredRequest request, @Nullable ResponseMeter meter, @Nullable String requestId, CallEnd end,
                           Runnable releaseBody) {
    public FinishedCall(MeteredRequest request, @Nullable ResponseMeter meter, @Nullable String requestId, CallEnd end) {
        this(request, meter, requestId, end, () -> { });
    }
}

package tollgate.metering.call;

import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.ResponseMeter;

/**
 * A call that has ended, as handed from the event loop to the accounting thread (the loop no longer touches
 * the meter once this exists).
 */
public record FinishedCall(MeteredRequest request, @Nullable ResponseMeter meter, @Nullable String requestId, CallEnd end) {}

package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The verdict on a call before it is forwarded: refused with an OpenAI-shaped answer, or forwarded with
 * what metering needs changed (body with usage injection, the upstream credential of a virtual key).
 */
public sealed interface Admission {
    /** @param tap records the refusal as a call (SPEC 8: a refusal is a usage record too) */
    record Refuse(HttpResponseStatus status, Map<String, String> headers, String jsonBody, CallTap tap) implements Admission {}

    /**
     * @param body replacement request body, or null to forward the client's
     * @param upstreamAuthorization replacement {@code Authorization} value (virtual key), or null
     * @param budgetRemainingUsd value of {@code x-tollgate-budget-remaining-usd}, or null when no budget applies
     */
    record Forward(CallTap tap, byte @Nullable [] body, @Nullable String upstreamAuthorization,
                   @Nullable String budgetRemainingUsd, boolean identityEncoding) implements Admission {}

    Forward PASS_THROUGH = new Forward(CallTap.NONE, null, null, null, false);
}

package tollgate.proxy.relay;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.metering.call.Outcome;
import tollgate.metering.usage.BodySplice;

/**
 * The verdict on a call before it is forwarded: refused with an OpenAI-shaped answer, or forwarded with
 * what metering needs changed (body with usage injection, the upstream credential of a virtual key).
 */
public sealed interface Admission {
    /**
     * @param tap records the refusal as a call (SPEC 8: a refusal is a usage record too)
     * @param outcome the reason the record gives
     */
    record Refuse(HttpResponseStatus status, Map<String, String> headers, String jsonBody, CallTap tap,
                  Outcome outcome) implements Admission {}

    /**
     * @param usageSplice the edit that adds {@code stream_options.include_usage} (SPEC 2), or null to forward the
     *     client's body as it is
     * @param upstreamAuthorization replacement {@code Authorization} value (virtual key), or null
     * @param answerHeaders set on the answer's head: {@code x-tollgate-budget-remaining-usd} (SPEC 7) and OpenAI's
     *     {@code x-ratelimit-*} of tollgate's own rate limits (SPEC 11, in place of the upstream's of the same name)
     */
    record Forward(CallTap tap, @Nullable BodySplice usageSplice, @Nullable String upstreamAuthorization,
                   Map<String, String> answerHeaders, boolean identityEncoding) implements Admission {}

    Forward PASS_THROUGH = new Forward(CallTap.NONE, null, null, Map.of(), false);
}

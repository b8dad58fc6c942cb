package tollgate.metering.log;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;

/**
 * What a call used besides text tokens, and how it was billed (SPEC 12): its {@link UnitCounts} and the usage-log
 * fields {@code service_tier}, {@code provider} and {@code batch}; null or false when the call had none.
 *
 * @param serviceTier the response's {@code service_tier}, as it named it
 * @param batch true for a Batch API result
 */
public record UsageUnits(UnitCounts counts, @Nullable String serviceTier, @Nullable String provider, boolean batch) {
    public static final UsageUnits NONE = new UsageUnits(UnitCounts.ZERO, null, null, false);

    public UsageUnits {
        Objects.requireNonNull(counts, "counts");
    }

    /**
     * The provider a call went to: its route's ({@code provider} in the log, SPEC 13), else Anthropic's API for
     * {@code /v1/messages} and OpenAI's for any other path of the one upstream.
     */
    public static String providerOf(@Nullable String provider, String endpoint) {
        if (provider != null) {
            return provider;
        }
        return endpoint.equals("/v1/messages") ? "anthropic" : "openai";
    }
}

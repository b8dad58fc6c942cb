package tollgate.metering.pricing;

import java.util.Objects;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.UnitCounts;
import tollgate.metering.usage.Usage;

/**
 * Everything a call is billed by (SPEC 5 and 12): its tokens, its other units, the service tier its response named,
 * and the image option the request asked for.
 *
 * @param serviceTier the response's {@code service_tier}; null: standard
 * @param imageOption {@code quality/size} of generated images (dall-e-3 {@code hd/1024x1792}), or just the size
 */
public record Billable(Usage tokens, UnitCounts units, @Nullable String serviceTier, @Nullable String imageOption) {
    public Billable {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(units, "units");
    }

    /** A text call: tokens at the standard tier. */
    public static Billable of(Usage tokens) {
        return new Billable(tokens, UnitCounts.ZERO, null, null);
    }
}

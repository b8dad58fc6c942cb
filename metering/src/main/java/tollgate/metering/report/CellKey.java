package tollgate.metering.report;

import java.math.BigDecimal;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The identity of one aggregate cell: every dimension a report can filter or group on.
 *
 * @param pricedAs null when the call had no price (its cost is not in any model's sums)
 * @param error null for a complete call (SPEC 8)
 */
public record CellKey(
        String key,
        String endpoint,
        @Nullable String model,
        @Nullable String pricedAs,
        @Nullable String user,
        Map<String, String> tags,
        @Nullable String error) {

    public CellKey {
        tags = Map.copyOf(tags);
    }

    /** The priced name a call counts under: none without a price, so its tokens are in no model's priced sums (SPEC 5). */
    static @Nullable String pricedAs(@Nullable BigDecimal costUsd, @Nullable String pricedAs) {
        return costUsd == null ? null : pricedAs;
    }
}

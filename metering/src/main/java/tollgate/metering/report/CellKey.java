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
        @Nullable String error,
        @Nullable String provider) {

    public CellKey {
        tags = Map.copyOf(tags);
    }

    /** A cell of calls sent to the one upstream (no route, no provider). */
    public CellKey(String key, String endpoint, @Nullable String model, @Nullable String pricedAs,
                   @Nullable String user, Map<String, String> tags, @Nullable String error) {
        this(key, endpoint, model, pricedAs, user, tags, error, null);
    }

    /** The cell of one call of the log, every dimension kept. */
    public static CellKey of(tollgate.metering.log.UsageRecord r) {
        return new CellKey(r.key(), r.endpoint(), r.model(), pricedAs(r.costUsd(), r.pricedAs()), r.user(), r.tags(),
                r.error(), r.units().provider());
    }

    /** The priced name a call counts under: none without a price, so its tokens are in no model's priced sums (SPEC 5). */
    static @Nullable String pricedAs(@Nullable BigDecimal costUsd, @Nullable String pricedAs) {
        return costUsd == null ? null : pricedAs;
    }
}

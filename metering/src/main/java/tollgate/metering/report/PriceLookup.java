package tollgate.metering.report;

import org.jspecify.annotations.Nullable;

/** The prices the suggestion rules use, by the name a call was priced as (its log {@code priced_as}). */
@FunctionalInterface
public interface PriceLookup {
    PriceLookup NONE = model -> null;

    /** The model's prices, or null when the table has none. */
    @Nullable ModelPrices prices(String pricedAsModel);
}

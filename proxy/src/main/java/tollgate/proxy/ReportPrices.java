package tollgate.proxy;

import org.jspecify.annotations.Nullable;
import tollgate.metering.pricing.PricedModel;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.report.ModelPrices;
import tollgate.metering.report.PriceLookup;

/** The price table as the report's suggestion rules see it. */
public record ReportPrices(PricingTable table) implements PriceLookup {
    @Override
    public @Nullable ModelPrices prices(String pricedAsModel) {
        PricedModel p = table.resolve(pricedAsModel);
        return p == null ? null : new ModelPrices(p.price().input(), p.price().cachedInput(), p.price().output(),
                p.price().cheaperAlternative());
    }
}

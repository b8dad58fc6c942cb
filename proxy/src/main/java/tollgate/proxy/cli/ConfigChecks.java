package tollgate.proxy.cli;

import org.jspecify.annotations.Nullable;
import tollgate.config.TollgateConfig;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;

/** Checks that need more than the config module: the pricing file parses. */
final class ConfigChecks {
    private ConfigChecks() {}

    /** Null when fine; else prints the reasons and returns exit code 2. */
    static @Nullable Integer check(TollgateConfig cfg) {
        try {
            PricingTable.load(cfg.pricingFile());
            return null;
        } catch (PricingException e) {
            e.errors().forEach(err -> System.err.println("pricing.file: " + err));
            return 2;
        }
    }
}

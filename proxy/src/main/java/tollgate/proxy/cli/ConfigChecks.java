package tollgate.proxy.cli;

import org.jspecify.annotations.Nullable;
import tollgate.config.TollgateConfig;

/** Checks that need more than the config module (e.g. that the pricing file parses). */
final class ConfigChecks {
    private ConfigChecks() {}

    static @Nullable Integer check(TollgateConfig cfg) {
        return null;
    }
}

package tollgate.metering.pricing;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The content of one pricing document (the built-in resource or a user's pricing file), checked
 * field by field but not yet merged or cross-checked.
 *
 * @param aliases alias → model name, as written
 * @param source where the prices come from (informational)
 * @param retrieved the date the prices were taken (informational)
 */
record PricingFile(Map<String, ModelPrice> models, Map<String, String> aliases,
                   @Nullable String source, @Nullable String retrieved) {
    PricingFile {
        models = Map.copyOf(models);
        aliases = Map.copyOf(aliases);
    }
}

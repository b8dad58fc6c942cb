package tollgate.metering.key;

import org.jspecify.annotations.Nullable;
import tollgate.config.KeyConfig;

/**
 * Who pays for a call: the id it is logged, metered and budgeted under, never the raw key.
 *
 * @param id the configured name, {@code fp-} + 12 hex for an unconfigured key, or {@code anonymous} for no key
 * @param config the key's config when {@code known}, else null
 */
public record KeyIdentity(String id, @Nullable KeyConfig config, boolean known) {
    /** A call without any key. */
    public static final KeyIdentity ANONYMOUS = new KeyIdentity(KeyRegistry.ANONYMOUS_ID, null, false);

    public KeyIdentity {
        if (known != (config != null)) {
            throw new IllegalArgumentException("known: " + known + " (expected: true exactly when config is given)");
        }
    }

    public boolean anonymous() {
        return !known && id.equals(KeyRegistry.ANONYMOUS_ID);
    }
}

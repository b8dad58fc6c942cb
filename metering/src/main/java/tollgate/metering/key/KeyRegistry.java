package tollgate.metering.key;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tollgate.config.EnvSecrets;
import tollgate.config.KeyConfig;
import tollgate.config.Sha256;

/**
 * The configured keys, looked up by the SHA-256 of the caller's key, and the upstream keys of virtual keys (SPEC 3).
 *
 * <p>Immutable; a config reload builds a new one. Raw keys are hashed per call and never kept: config holds only
 * their SHA-256, and no cache maps raw keys to anything.
 */
public final class KeyRegistry {
    /** The id of calls that carry no key; no configured key may take this name. */
    public static final String ANONYMOUS_ID = KeyConfig.ANONYMOUS;

    private final Map<String, KeyIdentity> bySha256;
    private final Map<String, String> upstreamKeys;
    private final List<String> missingUpstreamKeys;

    /**
     * @param env the process environment (or a test's map); only the variables named by {@code upstream_key_env} are read
     */
    public KeyRegistry(List<KeyConfig> keys, Map<String, String> env) {
        Map<String, KeyIdentity> identities = new HashMap<>();
        Map<String, String> upstream = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (KeyConfig k : keys) {
            if (identities.putIfAbsent(k.keySha256(), new KeyIdentity(k.name(), k, true)) != null) {
                throw new IllegalArgumentException("keys: key '" + k.name()
                        + "' has the same key as another entry (expected: each key once)");
            }
            String envName = k.upstreamKeyEnv();
            if (envName != null) {
                String value = EnvSecrets.read(env, envName);
                if (value == null) {
                    missing.add(k.name());
                } else {
                    upstream.put(k.name(), value);
                }
            }
        }
        this.bySha256 = Map.copyOf(identities);
        this.upstreamKeys = Map.copyOf(upstream);
        this.missingUpstreamKeys = List.copyOf(missing);
    }

    /** Who a raw key (as found by {@link ApiKeys}) belongs to: its configured entry, else its fingerprint id. */
    public KeyIdentity identify(@Nullable String rawKey) {
        if (rawKey == null || rawKey.isBlank()) {
            return KeyIdentity.ANONYMOUS;
        }
        String sha = Sha256.hex(rawKey);
        KeyIdentity known = bySha256.get(sha);
        return known != null ? known : new KeyIdentity(KeyIds.fingerprintOfSha256(sha), null, false);
    }

    /**
     * The credential to send upstream instead of the caller's, for a virtual key; null when the caller's own key is
     * forwarded (no {@code upstream_key_env}) or when that variable is unset (see {@link #missingUpstreamKeys()}).
     */
    public @Nullable String upstreamKey(KeyIdentity identity) {
        KeyConfig c = identity.config();
        return c == null || c.upstreamKeyEnv() == null ? null : upstreamKeys.get(c.name());
    }

    /** Names of virtual keys whose {@code upstream_key_env} variable is unset or blank: their calls cannot be forwarded. */
    public List<String> missingUpstreamKeys() {
        return missingUpstreamKeys;
    }

    public int size() {
        return bySha256.size();
    }

    @Override
    public String toString() {
        return "KeyRegistry[keys=" + bySha256.size() + ", virtual=" + upstreamKeys.keySet() + "]";
    }
}

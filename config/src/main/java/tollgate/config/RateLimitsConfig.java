package tollgate.config;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * {@code rate_limits} (SPEC 11): requests and tokens per minute per key ({@code default}, and {@code keys} by
 * configured key name), per end user ({@code users.default}, {@code users.overrides} by user id) and for all
 * traffic ({@code global}). A call must fit each that applies.
 *
 * @param keyDefault of each key not named in {@code keys}; null: such keys are not limited
 * @param keys by configured key name
 * @param userDefault of each end user not named in {@code users}; null: such users are not limited
 * @param users by user id
 * @param global all traffic through this tollgate (the fleet, with a Redis store); null: none
 */
public record RateLimitsConfig(@Nullable RateLimit keyDefault, Map<String, RateLimit> keys,
                               @Nullable RateLimit userDefault, Map<String, RateLimit> users,
                               @Nullable RateLimit global) {

    public static final RateLimitsConfig NONE = new RateLimitsConfig(null, Map.of(), null, Map.of(), null);

    public RateLimitsConfig {
        keys = Collections.unmodifiableMap(new TreeMap<>(keys));
        users = Collections.unmodifiableMap(new TreeMap<>(users));
    }

    public boolean isEmpty() {
        return keyDefault == null && keys.isEmpty() && userDefault == null && users.isEmpty() && global == null;
    }

    /** A key's limits: its own (by configured name), else the default; null when none apply. */
    public @Nullable RateLimit ofKey(String keyId) {
        RateLimit own = keys.get(keyId);
        return own != null ? own : keyDefault;
    }

    /** An end user's limits: the override, else the default; null when none apply (or no user). */
    public @Nullable RateLimit ofUser(@Nullable String user) {
        if (user == null || user.isEmpty()) {
            return null;
        }
        RateLimit own = users.get(user);
        return own != null ? own : userDefault;
    }
}

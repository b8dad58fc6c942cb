package tollgate.metering.budget;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tollgate.config.RateLimit;
import tollgate.config.RateLimitsConfig;

/**
 * Every rate limit one call must fit (SPEC 11): its key's, its user's and the global one, in that order.
 *
 * @param keyId the key that calls (for the rejection metric), whether or not it has limits of its own
 */
public record CallRates(String keyId, List<Scoped> scopes) {

    public static final CallRates NONE = new CallRates("", List.of());

    /** One scope's limits. */
    public record Scoped(BudgetScope scope, RateLimit limit) {}

    public CallRates {
        scopes = List.copyOf(scopes);
    }

    /** The limits of a call of key {@code keyId} for end user {@code user} (null: none) under {@code config}. */
    public static CallRates of(RateLimitsConfig config, String keyId, @Nullable String user) {
        if (config.isEmpty()) {
            return NONE;
        }
        List<Scoped> out = new ArrayList<>(3);
        add(out, BudgetScope.key(keyId), config.ofKey(keyId));
        if (user != null && !user.isEmpty()) {
            add(out, BudgetScope.user(user), config.ofUser(user));
        }
        add(out, BudgetScope.GLOBAL, config.global());
        return out.isEmpty() ? NONE : new CallRates(keyId, out);
    }

    private static void add(List<Scoped> out, BudgetScope scope, @Nullable RateLimit limit) {
        if (limit != null) {
            out.add(new Scoped(scope, limit));
        }
    }

    public boolean isEmpty() {
        return scopes.isEmpty();
    }

    /** True when some scope limits tokens: the call's tokens must then be estimated before it is admitted. */
    public boolean limitsTokens() {
        for (Scoped s : scopes) {
            if (s.limit().tokensPerMinute() != null) {
                return true;
            }
        }
        return false;
    }
}

package tollgate.metering.report;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The identity of one aggregate cell: every dimension a report can filter or group on. Equal by value, with its hash
 * computed once: a written record's cell is looked up twice in its day's map (is it there, then add to it), among as
 * many cells as there are users and tag values, and its strings are fresh per call (no cached {@code String} hash).
 *
 * <p>{@code pricedAs} is null when the call had no price (its cost is not in any model's sums); {@code error} is null
 * for a complete call (SPEC 8).
 */
public final class CellKey {
    private final String key;
    private final String endpoint;
    private final @Nullable String model;
    private final @Nullable String pricedAs;
    private final @Nullable String user;
    private final Map<String, String> tags;
    private final @Nullable String error;
    private final @Nullable String provider;
    private final int hash;

    public CellKey(String key, String endpoint, @Nullable String model, @Nullable String pricedAs,
                   @Nullable String user, Map<String, String> tags, @Nullable String error,
                   @Nullable String provider) {
        this.key = key;
        this.endpoint = endpoint;
        this.model = model;
        this.pricedAs = pricedAs;
        this.user = user;
        this.tags = Map.copyOf(tags);
        this.error = error;
        this.provider = provider;
        int h = Objects.hashCode(key);
        h = 31 * h + Objects.hashCode(endpoint);
        h = 31 * h + Objects.hashCode(model);
        h = 31 * h + Objects.hashCode(pricedAs);
        h = 31 * h + Objects.hashCode(user);
        h = 31 * h + this.tags.hashCode();
        h = 31 * h + Objects.hashCode(error);
        this.hash = 31 * h + Objects.hashCode(provider);
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

    public String key() {
        return key;
    }

    public String endpoint() {
        return endpoint;
    }

    public @Nullable String model() {
        return model;
    }

    public @Nullable String pricedAs() {
        return pricedAs;
    }

    public @Nullable String user() {
        return user;
    }

    public Map<String, String> tags() {
        return tags;
    }

    public @Nullable String error() {
        return error;
    }

    public @Nullable String provider() {
        return provider;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof CellKey c && hash == c.hash && Objects.equals(key, c.key)
                && Objects.equals(endpoint, c.endpoint)
                && Objects.equals(model, c.model) && Objects.equals(pricedAs, c.pricedAs)
                && Objects.equals(user, c.user) && tags.equals(c.tags) && Objects.equals(error, c.error)
                && Objects.equals(provider, c.provider);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "CellKey[key=" + key + ", endpoint=" + endpoint + ", model=" + model + ", pricedAs=" + pricedAs
                + ", user=" + user + ", tags=" + tags + ", error=" + error + ", provider=" + provider + "]";
    }
}

package tollgate.config;

import org.jspecify.annotations.Nullable;

/**
 * {@code budgets.unpriced}: what a budgeted call to a model the price table does not know does. {@code deny}
 * (the default) refuses it with {@code model_not_priced}, since it would reserve and add $0 and so spend without
 * limit; {@code allow} forwards it at $0 as unbudgeted traffic is; {@code {price_as: MODEL}} reserves and bills it
 * at that model's prices. Calls without a budget are never refused for this.
 */
public record UnpricedPolicy(Kind kind, @Nullable String priceAs) {
    public enum Kind { DENY, ALLOW, PRICE_AS }

    public static final UnpricedPolicy DENY = new UnpricedPolicy(Kind.DENY, null);
    public static final UnpricedPolicy ALLOW = new UnpricedPolicy(Kind.ALLOW, null);

    public UnpricedPolicy {
        if ((kind == Kind.PRICE_AS) != (priceAs != null && !priceAs.isBlank())) {
            throw new IllegalArgumentException("budgets.unpriced: price_as needs a model name");
        }
    }

    public static UnpricedPolicy priceAs(String model) {
        return new UnpricedPolicy(Kind.PRICE_AS, model);
    }

    /** The setting as written in the config, for messages. */
    public String describe() {
        return kind == Kind.PRICE_AS ? "price_as: " + priceAs : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}

package tollgate.metering.pricing;

import java.util.Objects;

/**
 * A model name as the pricing table knows it, with its price; {@code name} is what the usage log
 * records as {@code priced_as}.
 */
public record PricedModel(String name, ModelPrice price) {
    public PricedModel {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(price, "price");
    }
}

package tollgate.metering.pricing;

import java.util.List;

/** A pricing file that cannot be used; carries every reason found, each naming the file, the key path and the value. */
public final class PricingException extends Exception {
    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    public PricingException(List<String> errors) {
        super(String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public PricingException(String error) {
        this(List.of(error));
    }

    public List<String> errors() {
        return errors;
    }
}

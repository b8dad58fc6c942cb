package tollgate.metering.pricing;

import java.util.Locale;

/** The public price catalogs {@code tollgate pricing import} and {@code diff} read (SPEC 12). */
public enum CatalogFormat {
    /** BerriAI/litellm {@code model_prices_and_context_window.json}: model → USD per token. */
    LITELLM("litellm"),
    /** pydantic/genai-prices {@code prices/data.json}: providers → models → USD per 1M tokens. */
    GENAI_PRICES("genai-prices");

    private final String id;

    CatalogFormat(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The format named {@code litellm} or {@code genai-prices}. */
    public static CatalogFormat of(String name) {
        for (CatalogFormat f : values()) {
            if (f.id.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("format: '" + name + "' (expected: litellm or genai-prices)");
    }
}

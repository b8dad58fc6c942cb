package tollgate.config;

/** Caps on metric label values: keys and models past the cap report as {@code other} (SPEC 9). */
public record MetricsConfig(int maxKeys, int maxModels) {
    public static final MetricsConfig DEFAULT = new MetricsConfig(1000, 1000);

    public MetricsConfig {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("metrics.max_keys: " + maxKeys + " (expected: >= 1)");
        }
        if (maxModels < 1) {
            throw new IllegalArgumentException("metrics.max_models: " + maxModels + " (expected: >= 1)");
        }
    }
}

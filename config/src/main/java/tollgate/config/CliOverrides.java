package tollgate.config;

import org.jspecify.annotations.Nullable;

/** Settings given as command-line flags; they win over the environment and the file (SPEC 1). */
public record CliOverrides(@Nullable String listen, @Nullable String upstream, @Nullable String logDir) {
    public static final CliOverrides NONE = new CliOverrides(null, null, null);
}

package tollgate.proxy;

import tollgate.config.ConfigException;
import tollgate.config.TollgateConfig;

/** Where a reload reads the configuration again: the same file, environment and flags as at start. */
@FunctionalInterface
public interface ConfigSource {
    TollgateConfig load() throws ConfigException;
}

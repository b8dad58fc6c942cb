package tollgate.proxy.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.TollgateConfig;

/**
 * The options of the commands that read the usage log ({@code stats}, {@code recent}): where it is, as
 * {@code serve} resolves it (SPEC 1), and which calls count.
 */
final class LogOptions {
    @Option(names = "--log-dir", description = "usage log folder (env TOLLGATE_LOG_DIR, else the config's log.dir, "
            + "default ./logs)")
    String logDir;

    @Option(names = "--key", description = "only this key id")
    String key;

    @Option(names = "--model", description = "only this model (its priced name matches its dated names too)")
    String model;

    @Option(names = "--user", description = "only this user")
    String user;

    @Option(names = "--tag", description = "only calls with this tag, NAME=VALUE (repeatable)")
    List<String> tags = new ArrayList<>();

    @Option(names = "--config", description = "config file whose log.dir and pricing.file are used (env TOLLGATE_CONFIG)")
    Path config;

    /** The settings as {@code serve} resolves them: --log-dir > TOLLGATE_LOG_DIR > the file's log.dir > ./logs. */
    TollgateConfig settings(Map<String, String> env) throws ConfigException {
        return new ConfigLoader(env).load(config, new CliOverrides(null, null, logDir));
    }
}

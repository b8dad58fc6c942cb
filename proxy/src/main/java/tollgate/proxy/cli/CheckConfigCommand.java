package tollgate.proxy.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.config.TollgateConfig;

/** {@code tollgate check-config FILE}: validates a config file; exit 0, or 2 with every reason. */
@Command(name = "check-config", mixinStandardHelpOptions = true, description = "Validate a config file (exit 0 or 2).")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
        try {
            TollgateConfig cfg = new ConfigLoader(System.getenv()).load(file, CliOverrides.NONE);
            Integer extra = ConfigChecks.check(cfg);
            if (extra != null) {
                return extra;
            }
            System.out.println(file + ": ok (" + cfg.keys().size() + " keys, budgets mode " + cfg.budgets().mode().name().toLowerCase(java.util.Locale.ROOT) + ")");
            return 0;
        } catch (ConfigException e) {
            for (String err : e.errors()) {
                System.err.println(file + ": " + err);
            }
            return 2;
        }
    }
}

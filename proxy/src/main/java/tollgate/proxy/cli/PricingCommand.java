package tollgate.proxy.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.pricing.PricingTableFormatter;

/** {@code tollgate pricing}: prints the price table in effect (built-in plus the configured pricing file). */
@Command(name = "pricing", mixinStandardHelpOptions = true, description = "Print the price table in effect.")
final class PricingCommand implements Callable<Integer> {
    enum Format { table, json }

    @Option(names = "--format", description = "table or json (default: table)")
    Format format = Format.table;

    @Option(names = "--config", description = "config file whose pricing.file is applied (env TOLLGATE_CONFIG)")
    Path config;

    @Override
    public Integer call() {
        PricingTable table;
        try {
            Path file = new ConfigLoader(System.getenv()).load(config, CliOverrides.NONE).pricingFile();
            table = PricingTable.load(file);
        } catch (ConfigException e) {
            e.errors().forEach(err -> System.err.println("tollgate: " + err));
            return 2;
        } catch (PricingException e) {
            e.errors().forEach(err -> System.err.println("tollgate: pricing.file: " + err));
            return 2;
        }
        System.out.print(format == Format.json ? PricingTableFormatter.json(table) : PricingTableFormatter.table(table));
        System.out.flush();
        return 0;
    }
}

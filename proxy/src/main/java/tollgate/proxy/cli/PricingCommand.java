package tollgate.proxy.cli;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;
import tollgate.metering.pricing.CatalogFormat;
import tollgate.metering.pricing.CatalogImport;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;
import tollgate.metering.pricing.PricingTableFormatter;

/**
 * {@code tollgate pricing}: prints the price table in effect (built-in plus the configured pricing file), with its
 * date; {@code import} and {@code diff} read a public price catalog (SPEC 12).
 */
@Command(name = "pricing", mixinStandardHelpOptions = true, description = "Print the price table in effect.",
        subcommands = {PricingImportCommand.class, PricingDiffCommand.class})
final class PricingCommand implements Callable<Integer> {
    enum Format { table, json }

    @Option(names = "--format", description = "table or json (default: table)")
    Format format = Format.table;

    @Option(names = "--config", description = "config file whose pricing.file is applied (env TOLLGATE_CONFIG)")
    Path config;

    @Override
    public Integer call() {
        PricingTable table = inEffect(config);
        if (table == null) {
            return 2;
        }
        System.out.print(format == Format.json ? PricingTableFormatter.json(table) : PricingTableFormatter.table(table));
        System.out.flush();
        return 0;
    }

    /** The OpenAI and Anthropic prices of a catalog file; null after printing why not. */
    static CatalogImport.@Nullable Result catalog(Path file, String format) {
        try {
            return CatalogImport.read(file, CatalogFormat.of(format), LocalDate.now(ZoneOffset.UTC));
        } catch (IllegalArgumentException e) {
            System.err.println("tollgate: --" + e.getMessage());
        } catch (PricingException e) {
            e.errors().forEach(err -> System.err.println("tollgate: " + err));
        }
        return null;
    }

    /** The table of {@code config}'s pricing.file (env TOLLGATE_CONFIG when null); null after printing why not. */
    static @Nullable PricingTable inEffect(@Nullable Path config) {
        try {
            Path file = new ConfigLoader(System.getenv()).load(config, CliOverrides.NONE).pricingFile();
            return PricingTable.load(file);
        } catch (ConfigException e) {
            e.errors().forEach(err -> System.err.println("tollgate: " + err));
        } catch (PricingException e) {
            e.errors().forEach(err -> System.err.println("tollgate: pricing.file: " + err));
        }
        return null;
    }
}

package tollgate.proxy.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tollgate.metering.pricing.CatalogImport;
import tollgate.metering.pricing.ModelPrice;
import tollgate.metering.pricing.PricingDiff;
import tollgate.metering.pricing.PricingException;
import tollgate.metering.pricing.PricingTable;

/**
 * {@code tollgate pricing diff FILE [--format litellm|genai-prices]}: the prices a catalog (or, without
 * {@code --format}, a pricing file) would change, add and remove against the table in effect (SPEC 12).
 */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Show what a catalog or pricing file would change against the table in effect.")
final class PricingDiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "a LiteLLM or genai-prices catalog, or a pricing file")
    Path file;

    @Option(names = "--format", description = "litellm or genai-prices (default: a tollgate pricing file)")
    String format;

    @Option(names = "--config", description = "config file whose pricing.file is in effect (env TOLLGATE_CONFIG)")
    Path config;

    @Override
    public Integer call() {
        PricingTable table = PricingCommand.inEffect(config);
        if (table == null) {
            return 2;
        }
        Map<String, ModelPrice> proposed;
        if (format != null) {
            CatalogImport.Result r = PricingCommand.catalog(file, format);
            if (r == null) {
                return 2;
            }
            proposed = r.models();
        } else {
            try {
                proposed = PricingTable.readFile(file);
            } catch (PricingException e) {
                e.errors().forEach(err -> System.err.println("tollgate: " + err));
                return 2;
            }
        }
        PricingDiff.lines(table, proposed).forEach(System.out::println);
        System.out.flush();
        return 0;
    }
}

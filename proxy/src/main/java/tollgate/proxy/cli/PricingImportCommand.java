package tollgate.proxy.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tollgate.metering.pricing.CatalogImport;
import tollgate.metering.pricing.PricingTableFormatter;

/**
 * {@code tollgate pricing import FILE --format litellm|genai-prices [--out FILE]}: a public price catalog, read from
 * the file the user gives, as a pricing file of its OpenAI and Anthropic models (SPEC 12).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Turn a LiteLLM or genai-prices catalog into a pricing file (OpenAI and Anthropic models).")
final class PricingImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the catalog: model_prices_and_context_window.json or data.json")
    Path file;

    @Option(names = "--format", required = true, description = "litellm or genai-prices")
    String format;

    @Option(names = "--out", description = "write the pricing file here (default: standard output)")
    Path out;

    @Override
    public Integer call() {
        CatalogImport.Result r = PricingCommand.catalog(file, format);
        if (r == null) {
            return 2;
        }
        String text = PricingTableFormatter.pricingFile(r.models(), format + " catalog " + file.getFileName(),
                LocalDate.now(ZoneOffset.UTC).toString());
        if (out == null) {
            System.out.print(text);
            System.out.flush();
        } else {
            try {
                Files.writeString(out, text, StandardCharsets.UTF_8);
            } catch (IOException e) {
                System.err.println("tollgate: --out: cannot write " + out + " (" + e.getMessage() + ")");
                return 2;
            }
        }
        System.err.println("tollgate: " + r.models().size() + " models imported, " + r.skipped()
                + " catalog entries left out (other providers, or no input and output price)");
        return 0;
    }
}

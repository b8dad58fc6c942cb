package tollgate.proxy.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tollgate.metering.key.KeyIds;

/** {@code tollgate key-id KEY}: the id a raw key is logged under when no name is configured for it. */
@Command(name = "key-id", mixinStandardHelpOptions = true, description = "Print the id a raw API key is logged under.")
final class KeyIdCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY", description = "the raw API key (use - to read it from standard input)")
    String key;

    @Override
    public Integer call() throws Exception {
        String raw = key.equals("-") ? new String(System.in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim() : key;
        System.out.println(KeyIds.fingerprint(raw));
        return 0;
    }
}

package tollgate.metering.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import tollgate.config.CliOverrides;
import tollgate.config.ConfigException;
import tollgate.config.ConfigLoader;

/**
 * Fuzz target (issue 17): any config file either loads or is refused with a {@link ConfigException} (the one-line
 * errors users see); nothing else escapes the loader. Seeds: the README's config examples.
 */
class ConfigLoaderFuzzTest {
    static final Path FILE;

    static {
        try {
            FILE = Files.createTempFile("tollgate-fuzz", ".yaml");
            FILE.toFile().deleteOnExit();
        } catch (java.io.IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @FuzzTest(maxDuration = "20s")
    void anyFileLoadsOrIsRefusedWithAConfigError(FuzzedDataProvider in) throws Exception {
        Files.writeString(FILE, in.consumeRemainingAsString(), StandardCharsets.UTF_8);
        try {
            new ConfigLoader(Map.of("STORYBOT_KEY", "sk-fuzz")).load(FILE, CliOverrides.NONE);
        } catch (ConfigException refused) {
            // the expected way to say no
        }
    }
}

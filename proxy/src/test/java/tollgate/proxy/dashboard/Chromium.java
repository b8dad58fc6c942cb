package tollgate.proxy.dashboard;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Level;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium through its own chromedriver ({@code apt-get install chromium chromium-driver}):
 * nothing is downloaded at test time, and a machine without them skips the browser tests with the reason printed.
 */
final class Chromium {
    static final Path BROWSER = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private Chromium() {
    }

    /** Skips the calling test, loudly, when the browser or its driver is not installed. */
    static void assumeInstalled() {
        boolean present = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
        if (!present) {
            System.err.println("SKIPPED browser test: " + BROWSER + " or " + DRIVER
                    + " is missing (install them with: apt-get install -y chromium chromium-driver)");
        }
        assumeTrue(present, () -> BROWSER + " and " + DRIVER + " are needed (apt-get install -y chromium chromium-driver)");
    }

    /** A fresh browser with its own profile; browser and performance (network) logs are recorded. */
    static ChromeDriver start(Path profile, int width, int height) throws IOException {
        Files.createDirectories(profile);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(BROWSER.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        o.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(DRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }
}

package tollgate.proxy.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's deploy files and the runnable jar are, seen from a test running in any module folder. */
final class RepoLayout {
    private RepoLayout() {
    }

    /** The repository root: the nearest folder upwards that holds {@code mvnw} and {@code deploy/}. */
    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        for (Path d = p; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isDirectory(d.resolve("deploy"))) {
                return d;
            }
        }
        throw new AssertionError("no repository root (mvnw + deploy/) above " + p);
    }

    static Path deploy(String relative) {
        Path f = root().resolve("deploy").resolve(relative);
        if (!Files.exists(f)) {
            throw new AssertionError("missing deploy file: " + f);
        }
        return f;
    }

    /** The runnable jar; the container tests are *IT classes, run by failsafe after the package phase built it. */
    static Path jar() {
        Path jar = root().resolve("proxy/target/tollgate.jar");
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: container tests run after `package` "
                    + "(./mvnw -B verify, or ./mvnw -B -q -o package -DskipTests first)");
        }
        return jar;
    }
}

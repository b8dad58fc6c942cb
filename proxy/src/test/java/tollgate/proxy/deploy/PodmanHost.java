package tollgate.proxy.deploy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The machine's container engine as the container tests use it: podman with the settings of
 * {@code deploy/podman/containers.conf}, base images made from Debian packages (cached by tag), and the
 * tollgate image built once per test JVM from {@code deploy/Dockerfile} with the prebuilt jar.
 *
 * <p>A machine that cannot run containers makes every container test abort (reported as skipped) with
 * the reason, printed loudly; once the engine works, a failure to build an image fails the test.
 */
final class PodmanHost {
    static final String JRE_IMAGE = "localhost/tollgate-jre17:bookworm";
    static final String REDIS_IMAGE = "localhost/tollgate-redis:bookworm";
    static final String PROMETHEUS_IMAGE = "localhost/tollgate-prometheus:bookworm";
    static final String POSTGRES_IMAGE = "localhost/tollgate-postgres:bookworm";
    /** Unique per test JVM, so that two runs on one machine do not meet. */
    static final String RUN_ID = "it" + ProcessHandle.current().pid();

    private static PodmanHost instance;
    private static String unavailable;

    private final Shell shell;
    private String tollgateImage;

    private PodmanHost(Shell shell) {
        this.shell = shell;
    }

    /**
     * The ready host, or an aborted (skipped) test saying why this machine cannot run containers. Call it
     * in {@code @BeforeEach}: an abort there reports every test as skipped (one in {@code @BeforeAll}
     * makes Surefire report nothing at all).
     */
    static synchronized PodmanHost require() {
        PodmanHost host = orNull();
        if (host == null) {
            Assumptions.abort("container tests cannot run on this machine: " + unavailable);
        }
        return host;
    }

    /** The ready host, or null (with the reason printed once, loudly) when this machine cannot run containers. */
    static synchronized PodmanHost orNull() {
        if (instance == null && unavailable == null) {
            unavailable = probe();
            if (unavailable != null) {
                System.err.println("\n*** SKIPPED: container tests cannot run on this machine: " + unavailable + " ***\n");
            }
        }
        return instance;
    }

    private static String probe() {
        if (Shell.which("podman").isEmpty()) {
            return "podman is not installed (apt-get install podman runc podman-compose mmdebstrap)";
        }
        String conf = System.getenv("CONTAINERS_CONF");
        if (conf == null || conf.isBlank()) {
            conf = RepoLayout.deploy("podman/containers.conf").toString();
        }
        Shell shell = new Shell(Map.of("CONTAINERS_CONF", conf), RepoLayout.root());
        Shell.Result info = shell.run(Duration.ofMinutes(1), "podman", "info");
        if (!info.ok()) {
            return "`podman info` fails: " + info.err().strip();
        }
        List<String> missing = new ArrayList<>();
        for (String[] base : new String[][] {{"jre", JRE_IMAGE}, {"redis", REDIS_IMAGE}, {"prometheus", PROMETHEUS_IMAGE},
                {"postgres", POSTGRES_IMAGE}}) {
            if (!shell.run(Duration.ofMinutes(1), "podman", "image", "exists", base[1]).ok()) {
                missing.add(base[0]);
            }
        }
        if (!missing.isEmpty()) {
            if (Shell.which("mmdebstrap").isEmpty()) {
                return "base images " + missing + " are missing and mmdebstrap, which makes them from Debian packages, is not installed";
            }
            List<String> cmd = new ArrayList<>(List.of("sh", RepoLayout.deploy("local-base-images.sh").toString()));
            cmd.addAll(missing);
            System.err.println("[container tests] making base images from Debian packages (once per machine): " + missing);
            shell.run(Duration.ofMinutes(20), cmd).orFail();
        }
        instance = new PodmanHost(shell);
        return null;
    }

    /** podman-compose, which runs compose files on podman; aborts (skipped) when it is missing. */
    Path compose() {
        Path bin = composeOrNull();
        if (bin == null) {
            Assumptions.abort("podman-compose is not installed (apt-get install podman-compose)");
        }
        return bin;
    }

    /** podman-compose, or null (said loudly) when it is missing. */
    Path composeOrNull() {
        Path bin = Shell.which("podman-compose").orElse(null);
        if (bin == null) {
            System.err.println("\n*** SKIPPED: compose tests: podman-compose is not installed (apt-get install podman-compose) ***\n");
        }
        return bin;
    }

    Shell shell() {
        return shell;
    }

    Shell.Result podman(Duration limit, String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        cmd.addAll(List.of(args));
        return shell.run(limit, cmd);
    }

    Shell.Result podman(String... args) {
        return podman(Duration.ofMinutes(2), args);
    }

    /** The tollgate image of this run: deploy/Dockerfile, prebuilt jar, the local JRE base; removed when the JVM exits. */
    synchronized String tollgateImage() {
        if (tollgateImage == null) {
            RepoLayout.jar();
            String tag = "localhost/tollgate-it:" + RUN_ID;
            // docker format: the OCI format has no HEALTHCHECK
            Shell.Result build = podman(Duration.ofMinutes(10), "build", "--format", "docker",
                    "-f", RepoLayout.deploy("Dockerfile").toString(),
                    "--build-arg", "JAR_FROM=prebuilt", "--build-arg", "RUNTIME_IMAGE=" + JRE_IMAGE,
                    "-t", tag, RepoLayout.root().toString()).orFail();
            // removing the tag removes its layer images; the jar stage's image is no parent of it: remove it too
            List<String> stages = build.out().lines().filter(l -> l.startsWith("--> ")).map(l -> l.substring(4).trim()).toList();
            tollgateImage = tag;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                podman("rmi", "-f", tag);
                stages.forEach(id -> podman("rmi", id));
            }));
        }
        return tollgateImage;
    }

    /** The address {@code host.containers.internal} has in a running container: the host's side of its network. */
    String hostAddressSeenBy(String container) {
        String hosts = podman("exec", container, "cat", "/etc/hosts").orFail().out();
        for (String line : hosts.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && List.of(f).subList(1, f.length).contains("host.containers.internal")) {
                return f[0];
            }
        }
        throw new AssertionError("no host.containers.internal in /etc/hosts of " + container + ":\n" + hosts);
    }

    String logs(String container) {
        Shell.Result r = podman("logs", container);
        return r.out() + r.err();
    }

    void removeContainer(String name) {
        podman("rm", "-f", "-v", "-t", "5", name);
    }

    /** A fresh host folder the container's uid can write: the log volume. */
    static Path logFolder(Path parent) throws java.io.IOException {
        Path dir = Files.createDirectories(parent.resolve("log"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }
}

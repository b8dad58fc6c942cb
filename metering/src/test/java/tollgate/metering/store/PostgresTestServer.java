package tollgate.metering.store;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import tollgate.config.StoreConfig;

/**
 * A real PostgreSQL for the store tests, from Debian's binaries: {@code pg_config --bindir}, else the newest
 * {@code /usr/lib/postgresql/N/bin}, else PATH. {@code initdb} into a temp folder (a scram password for the user, so
 * the password path is the one tested), {@code pg_ctl start} on a free loopback port with the socket in that folder
 * and {@code fsync=off}. PostgreSQL refuses to run as root: as root, both run as the {@code postgres} user through
 * {@code runuser}. {@link #stop()} and {@link #start()} again keep the data and the port (an outage). Without the
 * binaries the tests are skipped with the reason printed.
 */
public final class PostgresTestServer implements AutoCloseable {
    public static final String USER = "tollgate";
    public static final String PASSWORD = "s3cret-pg-Pa55";
    public static final String DATABASE = "tollgate";

    private final Path bin;
    private final Path root;
    private final int port;
    private final boolean asPostgres;
    private boolean running;

    private PostgresTestServer(Path bin, Path root, int port, boolean asPostgres) {
        this.bin = bin;
        this.root = root;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    private static PostgresTestServer shared;

    /**
     * One server for every test class of the JVM (started on first use, stopped when the JVM exits); each test
     * takes a database of its own ({@link #newStore}).
     */
    public static synchronized PostgresTestServer shared() {
        if (shared == null) {
            PostgresTestServer s = startOrSkip();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    s.close();
                } catch (IOException | InterruptedException e) {
                    System.err.println("stopping the test PostgreSQL: " + e);
                }
            }, "postgres-test-server-stop"));
            shared = s;
        }
        return shared;
    }

    /** A started server with the database {@link #DATABASE} owned by {@link #USER}, or the test skipped. */
    public static PostgresTestServer startOrSkip() {
        Path bin = findBin();
        if (bin == null) {
            skip("no PostgreSQL server binaries (pg_config --bindir, /usr/lib/postgresql/*/bin or PATH); "
                    + "install Debian's postgresql (.ci/run does)");
        }
        try {
            boolean root = "root".equals(System.getProperty("user.name")) || uid() == 0;
            Path dir = Files.createTempDirectory("tollgate-pg");
            PostgresTestServer s = new PostgresTestServer(bin, dir, freePort(), root);
            s.init();
            s.start();
            try (Connection c = DriverManager.getConnection(s.jdbcUrl("postgres"), USER, PASSWORD);
                 Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + DATABASE);
            }
            return s;
        } catch (IOException | SQLException | RuntimeException e) {
            skip("PostgreSQL from " + bin + " did not start: " + e);
            throw new AssertionError("unreachable");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void skip(String why) {
        String reason = "SKIPPED PostgreSQL store tests: " + why;
        System.err.println(reason);
        Assumptions.abort(reason);
    }

    public int port() {
        return port;
    }

    /** {@code postgres://tollgate@127.0.0.1:PORT/tollgate}: no password (it comes from the environment). */
    public String url() {
        return "postgres://" + USER + "@127.0.0.1:" + port + "/" + DATABASE;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** A connection to {@link #DATABASE} as {@link #USER}, for the tests' own queries. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(DATABASE), USER, PASSWORD);
    }

    /** A new empty database, and {@code log.store} for it with the password from the environment. */
    public StoreConfig newStore(String database) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        return StoreConfig.parse("postgres://" + USER + "@127.0.0.1:" + port + "/" + database,
                Map.of(StoreConfig.ENV_PASSWORD, PASSWORD), false);
    }

    private void init() throws IOException, InterruptedException {
        Path pw = root.resolve("pwfile");
        Files.writeString(pw, PASSWORD + "\n", StandardCharsets.UTF_8);
        if (asPostgres) {
            run(List.of("chown", "-R", "postgres:postgres", root.toString()));
        }
        run(pg("initdb", "-D", data().toString(), "-U", USER, "--pwfile=" + pw, "--auth-host=scram-sha-256",
                "--auth-local=scram-sha-256", "-E", "UTF8", "--no-sync"));
    }

    /** Starts (again) on the same data and port, waiting until it accepts connections. */
    public synchronized void start() throws IOException, InterruptedException {
        run(pg("pg_ctl", "-D", data().toString(), "-l", root.resolve("server.log").toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -k " + root + " -c listen_addresses=127.0.0.1 -c fsync=off"
                        + " -c synchronous_commit=off -c full_page_writes=off", "start"));
        running = true;
    }

    /** Stops fast (open connections are cut), keeping the data. */
    public synchronized void stop() throws IOException, InterruptedException {
        if (running) {
            run(pg("pg_ctl", "-D", data().toString(), "-m", "fast", "-w", "-t", "60", "stop"));
            running = false;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            stop();
        } finally {
            try (Stream<Path> all = Files.walk(root)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private Path data() {
        return root.resolve("data");
    }

    private List<String> pg(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        if (asPostgres) {
            cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        cmd.add(bin.resolve(tool).toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void run(List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tollgate-pg-cmd", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + ": timed out");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": "
                        + Files.readString(out, StandardCharsets.UTF_8).strip());
            }
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static long uid() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid instanceof Number n ? n.longValue() : -1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    private static Path findBin() {
        try {
            Process p = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && hasServer(Path.of(out))) {
                return Path.of(out);
            }
        } catch (IOException | RuntimeException e) {
            // no pg_config: look further
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions != null) {
            Path newest = null;
            int best = -1;
            for (File v : versions) {
                try {
                    int n = Integer.parseInt(v.getName());
                    if (n > best && hasServer(v.toPath().resolve("bin"))) {
                        best = n;
                        newest = v.toPath().resolve("bin");
                    }
                } catch (NumberFormatException e) {
                    // not a version folder
                }
            }
            if (newest != null) {
                return newest;
            }
        }
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
            if (hasServer(Path.of(dir))) {
                return Path.of(dir);
            }
        }
        return null;
    }

    private static boolean hasServer(Path dir) {
        return Files.isExecutable(dir.resolve("postgres")) && Files.isExecutable(dir.resolve("initdb"))
                && Files.isExecutable(dir.resolve("pg_ctl"));
    }

    /** A port nothing listens on. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}

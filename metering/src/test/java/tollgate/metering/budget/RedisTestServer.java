package tollgate.metering.budget;

import ch.qos.logback.classic.Level;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * A real Redis for the store tests: the binary shipped in the embedded-redis jar, else {@code redis-server} from
 * PATH; when neither runs, the tests are skipped with the reason printed.
 */
final class RedisTestServer implements AutoCloseable {

    private final RedisServer server;
    private final int port;

    private RedisTestServer(RedisServer server, int port) {
        this.server = server;
        this.port = port;
    }

    static RedisTestServer startOrSkip() {
        // Lettuce and Netty log every frame at DEBUG, which drowns the test output
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        int port = freePort();
        String embeddedFailure;
        try {
            return started(RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                    .setting("appendonly no").build(), port);
        } catch (IOException | RuntimeException | LinkageError e) {
            embeddedFailure = e.toString();
        }
        File onPath = findOnPath("redis-server");
        if (onPath != null) {
            try {
                return started(new RedisServer(port, onPath), port);
            } catch (IOException | RuntimeException e) {
                embeddedFailure += "; redis-server from PATH: " + e;
            }
        }
        String reason = "SKIPPED Redis store tests: the embedded-redis binary did not start (" + embeddedFailure
                + ") and " + (onPath == null ? "no redis-server is on PATH" : "redis-server on PATH did not start");
        System.err.println(reason);
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    private static RedisTestServer started(RedisServer server, int port) throws IOException {
        server.start();
        return new RedisTestServer(server, port);
    }

    URI uri() {
        return URI.create("redis://127.0.0.1:" + port);
    }

    void stop() throws IOException {
        server.stop();
    }

    @Override
    public void close() throws IOException {
        if (server.isActive()) {
            server.stop();
        }
    }

    /** A port nothing listens on (for "Redis unreachable"). */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private static File findOnPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toFile();
            }
        }
        return null;
    }
}

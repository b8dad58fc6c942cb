package tollgate.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.store.PostgresTestServer;
import tollgate.proxy.TestTollgate;

/**
 * log.store at start-up and in stats (issue 20): a database that does not answer refuses the start; with
 * log.store_optional it starts anyway ({@code LogStoreOutageTest}).
 */
class LogStoreStartupTest {
    @TempDir
    Path dir;

    @Test
    void aDatabaseThatDoesNotAnswerRefusesTheStartWithOneLineNamingTheSetting() throws Exception {
        int dead = freePort();
        Path f = dir.resolve("tollgate.yaml");
        Files.writeString(f, "log:\n  dir: " + dir.resolve("logs") + "\n  store: postgres://tg@127.0.0.1:" + dead
                + "/usage\n");
        CliTest.Run r = CliTest.inProcess("serve", "--config", f.toString(), "--listen", "127.0.0.1:0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("tollgate: log.store: postgres://tg@127.0.0.1:" + dead + "/usage: ")
                .contains("refused");
    }

    @Test
    void aWrongPasswordOrAMissingDatabaseRefusesTheStartWithoutThePassword() {
        PostgresTestServer pg = PostgresTestServer.shared();
        String wrong = "wrong-" + PostgresTestServer.PASSWORD;
        String at = "postgres://" + PostgresTestServer.USER + "@127.0.0.1:" + pg.port();
        assertThatThrownBy(() -> TestTollgate.start("http://127.0.0.1:9", dir.resolve("a"), "log:\n  store: 'postgres://"
                + PostgresTestServer.USER + ":${PW}@127.0.0.1:" + pg.port() + "/tollgate'\n", Map.of("PW", wrong)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("log.store: " + at + "/tollgate: ")
                .hasMessageContaining("password authentication failed")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrong).doesNotContain("\n"));
        assertThatThrownBy(() -> TestTollgate.start("http://127.0.0.1:9", dir.resolve("b"), "log:\n  store: " + at
                + "/missing\n", Map.of("TOLLGATE_DB_PASSWORD", PostgresTestServer.PASSWORD)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("log.store: " + at + "/missing: ")
                .hasMessageContaining("\"missing\" does not exist")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PostgresTestServer.PASSWORD));
    }

    @Test
    void checkConfigNamesABadUrl() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "log: {store: 'postgres://tg@db.internal/usage?sslmode=sometimes'}\n");
        CliTest.Run r = CliTest.inProcess("check-config", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("log.store: sslmode 'sometimes' (expected: disable, allow, prefer, require, "
                + "verify-ca or verify-full)");
    }

    @Test
    void statsStoreNamesABadUrlOrADatabaseThatDoesNotAnswer() throws Exception {
        CliTest.Run bad = CliTest.inProcess("stats", "--log-dir", dir.toString(), "--store", "mysql://tg@h/db");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("tollgate stats: --store: scheme 'mysql' (expected: postgres://");
        int dead = freePort();
        CliTest.Run down = CliTest.inProcess("stats", "--log-dir", dir.toString(), "--store",
                "postgres://tg@127.0.0.1:" + dead + "/usage");
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err().strip().lines()).hasSize(1);
        assertThat(down.err()).startsWith("tollgate stats: log.store: postgres://tg@127.0.0.1:" + dead + "/usage: ")
                .contains("refused");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

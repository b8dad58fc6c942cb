package tollgate.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.metering.log.UsageRecord;
import tollgate.proxy.TestTollgate;

/** log.store at start-up (issue 20): a database that does not answer refuses the start, unless it is optional. */
class LogStoreStartupTest {
    private static final String SECRET = "db-pass-Zq81";

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

    @Test
    void withStoreOptionalItStartsSpoolsAndRetriesWithoutLeakingThePassword() throws Exception {
        int dead = freePort();
        try (TestTollgate t = TestTollgate.start("http://127.0.0.1:" + freePort(), dir,
                "log:\n  store: postgres://tg@127.0.0.1:" + dead + "/usage\n  store_optional: true\n",
                Map.of("TOLLGATE_DB_PASSWORD", SECRET))) {
            assertThat(t.app.usageLog().append(new UsageRecord(Instant.now(), "req-1", "k", "/v1/chat/completions",
                    "gpt-4o-mini", "gpt-4o-mini", false, 200, 10, 0, 2, 0, 12, false, new BigDecimal("0.000003"), 5,
                    1, null, Map.of(), null))).isTrue();
            t.awaitRecords(1);
            awaitTrue(() -> gauge(t, "tollgate_store_backlog_records") == 1
                    && gauge(t, "tollgate_store_failures_total") >= 1);
            String scrape = t.app.metrics().registry().scrape();
            assertThat(scrape).doesNotContain(SECRET);
            assertThat(t.app.toString()).doesNotContain(SECRET);
        }
    }

    private static double gauge(TestTollgate t, String name) {
        return t.app.metrics().registry().scrape().lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long until = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(until);
            LockSupport.parkNanos(50_000_000L);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

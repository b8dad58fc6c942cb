package tollgate.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The runnable jar as a user starts it (runs after the package phase). */
class CliJarIT {
    record Run(int code, String out, String err) {}

    static Run java(String... args) throws Exception {
        Path jar = Path.of("target/tollgate.jar");
        assertThat(jar).as("the runnable jar is built in the package phase").exists();
        String[] cmd = new String[args.length + 3];
        cmd[0] = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        cmd[1] = "-jar";
        cmd[2] = jar.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", args));
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void versionAndHelpFromTheRunnableJar() throws Exception {
        Run v = java("--version");
        assertThat(v.code()).isEqualTo(0);
        assertThat(v.out()).startsWith("tollgate ");
        Run h = java("--help");
        assertThat(h.out()).contains("serve").contains("pricing").contains("check-config").contains("key-id");
    }

    @Test
    void serveWithABadValueExits2FromTheJar() throws Exception {
        Run r = java("serve", "--listen", "nowhere");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("listen").contains("nowhere");
    }

    @Test
    void serveWithoutJvmFlagsRunsInASizedChildThatStopsWithTheLauncher() throws Exception {
        Path jar = Path.of("target/tollgate.jar");
        Path logs = java.nio.file.Files.createTempDirectory("tollgate-sized");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "serve", "--listen", "127.0.0.1:0", "--upstream", "http://127.0.0.1:9",
                "--log-dir", logs.toString()).redirectErrorStream(true).start();
        try (java.io.BufferedReader out = new java.io.BufferedReader(
                new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.contains("listening on")) {
                // start-up lines
            }
            assertThat(line).as("tollgate started").isNotNull();
            ProcessHandle child = p.toHandle().children().findFirst().orElseThrow();
            assertThat(child.info().arguments().map(java.util.List::of).orElseThrow())
                    .containsAll(JvmSizing.CHILD_FLAGS);
            p.toHandle().destroy(); // SIGTERM to the launcher (Process.destroy would also close its output)
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
            StringBuilder rest = new StringBuilder();
            while ((line = out.readLine()) != null) {
                rest.append(line).append('\n');
            }
            assertThat(rest).contains("tollgate stopped");
        } finally {
            p.destroyForcibly();
        }
    }
}

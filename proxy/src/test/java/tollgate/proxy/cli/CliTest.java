package tollgate.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's commands as a user runs them: exit codes and the one line they print. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    /** In-process run, capturing stdout/stderr (fast path for commands that do not serve). */
    static Run inProcess(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = TollgateCli.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void badListenValueExits2WithOneLineNamingSettingValueAndAccepted() throws Exception {
        Run r = inProcess("serve", "--listen", "localhost:http");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).contains("listen").contains("localhost:http").contains("expected");
    }

    @Test
    void badUpstreamValueExits2() {
        Run r = inProcess("serve", "--upstream", "ftp://example.com");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("upstream").contains("ftp://example.com").contains("http:// or https://");
    }

    @Test
    void checkConfigCollectsEveryErrorWithItsPath() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "timeouts: {idle: soon}\nlimits: {max_request_bytes: 0}\nbudgets: {mode: later}\nlistn: x\n");
        Run r = inProcess("check-config", f.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("timeouts.idle: 'soon'").contains("limits.max_request_bytes: 0")
                .contains("budgets.mode: 'later'").contains("listn: unknown key");
    }

    @Test
    void checkConfigAcceptsAGoodFile() throws Exception {
        Path f = dir.resolve("good.yaml");
        Files.writeString(f, "listen: 0.0.0.0:9000\nbudgets:\n  default:\n    - {window: monthly, usd: 100}\n"
                + "keys:\n  - name: storybot\n    key_sha256: \"" + "ab".repeat(32) + "\"\n");
        Run r = inProcess("check-config", f.toString());
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).contains("ok");
    }

    @Test
    void keyIdPrintsTheFingerprint() {
        Run r = inProcess("key-id", "test-key-123");
        // sha256("test-key-123") starts with these 12 hex characters
        assertThat(r.out().strip()).isEqualTo("fp-" + tollgate.config.Sha256.hex("test-key-123").substring(0, 12));
        assertThat(r.out()).doesNotContain("test-key-123");
    }

    @Test
    void pricingPrintsTheTableWithItsDateAndJsonParses() throws Exception {
        Run t = inProcess("pricing");
        assertThat(t.code()).isEqualTo(0);
        assertThat(t.out()).contains("gpt-4o-mini").contains("2026-12-02").contains("gpt-6.2-sol");
        Run j = inProcess("pricing", "--format", "json");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(j.out()).toString()).contains("gpt-4o-mini").contains("gpt-6.2-sol");
    }

    @Test
    void pricingImportWritesAPricingFileAndDiffShowsWhatItChanges() throws Exception {
        Path catalog = Files.writeString(dir.resolve("catalog.json"), """
                {"gpt-5": {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 8e-06,
                           "cache_read_input_token_cost": 1e-07},
                 "my-new-model": {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
                 "gemini-2.5-pro": {"litellm_provider": "gemini", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}
                """);
        Path out = dir.resolve("prices.json");
        Run imported = inProcess("pricing", "import", catalog.toString(), "--format", "litellm", "--out", out.toString());
        assertThat(imported.code()).isEqualTo(0);
        assertThat(imported.err()).contains("2 models imported, 1 catalog entries left out");
        assertThat(Files.readString(out)).contains("\"my-new-model\"", "\"input\" : 1,");

        Run diff = inProcess("pricing", "diff", out.toString());
        assertThat(diff.code()).isEqualTo(0);
        assertThat(diff.out()).contains("changed gpt-5: ", "input 1.25 → 1", "added   my-new-model: input 1, output 2",
                "removed gpt-6.2-sol");
        Run catalogDiff = inProcess("pricing", "diff", catalog.toString(), "--format", "litellm");
        assertThat(catalogDiff.out()).contains("changed gpt-5: ");
        Run bad = inProcess("pricing", "import", catalog.toString(), "--format", "openrouter");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("expected: litellm or genai-prices");
    }
}

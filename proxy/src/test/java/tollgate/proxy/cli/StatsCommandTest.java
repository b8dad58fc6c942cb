package tollgate.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import tollgate.config.LogConfig;

/** {@code tollgate stats} finds the usage log as {@code serve} writes it (SPEC 1: flag > env > config file > default). */
class StatsCommandTest {
    @TempDir
    Path tmp;

    /**
     * @param given which of the four sources are set: f(lag), e(nv), c(onfig file by --config), t(TOLLGATE_CONFIG)
     */
    @ParameterizedTest(name = "given {0}: {1}")
    @CsvSource({
            "fect, flag",
            "ect,  env",
            "ec,   env",
            "ct,   config",
            "c,    config",
            "t,    config",
            "f,    flag",
            "'',   default"})
    void logFolderPrecedence(String given, String wins) throws Exception {
        Map<String, String> env = new HashMap<>();
        String[] args = args(given, env);
        StatsCommand cmd = new StatsCommand(env);
        new CommandLine(cmd).parseArgs(args);

        Path expected = switch (wins) {
            case "flag" -> tmp.resolve("flag");
            case "env" -> tmp.resolve("env");
            case "config" -> tmp.resolve("config");
            default -> LogConfig.DEFAULT_DIR;
        };
        assertThat(cmd.settings().log().dir()).isEqualTo(expected);
    }

    @Test
    void theConfigFilesLogFolderIsTheOneReported() throws Exception {
        Map<String, String> env = new HashMap<>();
        String[] args = args("c", env);
        Files.createDirectories(tmp.resolve("config"));
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        Files.writeString(tmp.resolve("config").resolve("usage-" + today + ".jsonl"), "{\"ts\":\"" + today
                + "T00:00:00Z\",\"key\":\"k\",\"endpoint\":\"/v1/embeddings\",\"total_tokens\":42}\n");

        String out = run(new StatsCommand(env), concat(args, "--days", "1", "--format", "json"));

        assertThat(out).contains("\"requests\" : 1").contains("\"total_tokens\" : 42");
    }

    @Test
    void theSeedAppsSpellingsAreAliases() throws Exception {
        Files.createDirectories(tmp.resolve("logs"));
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String call = "{\"ts\":\"" + today + "T00:00:00Z\",\"key\":\"k\",\"endpoint\":\"/v1/embeddings\","
                + "\"total_tokens\":%d,\"tags\":{\"operation\":\"%s\"}}\n";
        Files.writeString(tmp.resolve("logs").resolve("usage-" + today + ".jsonl"),
                String.format(call, 42, "rag") + String.format(call, 8, "chat"));

        String out = run(new StatsCommand(Map.of()), "--log-dir", tmp.resolve("logs").toString(), "-d", "1",
                "--period", "weekly", "--operation", "rag", "--format", "json");

        assertThat(out).contains("\"period\" : \"week\"", "\"total_tokens\" : 42", "\"operation\" : \"rag\"")
                .doesNotContain("\"total_tokens\" : 50");
    }

    @Test
    void formatFocusWritesFocusChargesThatAddUpToTheJsonTotal() throws Exception {
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String call = "{\"ts\":\"" + today + "T00:00:01Z\",\"key\":\"%s\",\"endpoint\":\"/v1/chat/completions\","
                + "\"model\":\"gpt-4o-mini\",\"priced_as\":\"gpt-4o-mini\",\"input_tokens\":%d,"
                + "\"cached_input_tokens\":%d,\"output_tokens\":%d,\"cost_usd\":%s,\"tags\":{\"team\":\"a,\\\"b\\\"\"}}\n";
        // at gpt-4o-mini's built-in prices; the second call's cost is its provider's (a third more)
        Files.writeString(logs.resolve("usage-" + today + ".jsonl"), String.format(call, "k1", 1000, 200, 100, "0.000195")
                + String.format(call, "k2", 3, 0, 1, "0.0000013"));
        Path file = tmp.resolve("focus.csv");

        String json = run(new StatsCommand(Map.of()), "--log-dir", logs.toString(), "-d", "1", "--format", "json");
        String wrote = run(new StatsCommand(Map.of()), "--log-dir", logs.toString(), "-d", "1", "--format", "focus",
                "--export", file.toString());

        assertThat(wrote).startsWith("wrote focus report (2 requests, ");
        List<String> lines = Files.readAllLines(file);
        List<String> header = List.of(lines.get(0).split(","));
        assertThat(header).contains("BilledCost", "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit",
                "ProviderName", "SkuId", "SubAccountId", "Tags");
        int billed = header.indexOf("BilledCost");
        BigDecimal sum = lines.subList(1, lines.size()).stream()
                .map(l -> new BigDecimal(l.substring(0, l.indexOf(',')))).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(billed).isZero();
        assertThat(json).contains("\"total_cost_usd\" : " + sum.stripTrailingZeros().toPlainString() + ",");
        // k1: 800 uncached, 200 cached, 100 output; k2: 3 input, 1 output; a tag with a comma and quotes, quoted
        assertThat(lines).hasSize(6);
        assertThat(lines.get(1)).contains(",800,Tokens,0.15,", "\"{\"\"team\"\":\"\"a,\\\"\"b\\\"\"\"\",\"\"tollgate_key\"\":\"\"k1\"\"}\"");
    }

    private String[] args(String given, Map<String, String> env) throws IOException {
        Path file = tmp.resolve("tollgate.yaml");
        Files.writeString(file, "log:\n  dir: " + tmp.resolve("config") + "\n");
        String[] args = {};
        if (given.contains("f")) {
            args = concat(args, "--log-dir", tmp.resolve("flag").toString());
        }
        if (given.contains("e")) {
            env.put("TOLLGATE_LOG_DIR", tmp.resolve("env").toString());
        }
        if (given.contains("c")) {
            args = concat(args, "--config", file.toString());
        }
        if (given.contains("t")) {
            env.put("TOLLGATE_CONFIG", file.toString());
        }
        return args;
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String run(StatsCommand cmd, String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            assertThat(new CommandLine(cmd).execute(args)).isZero();
        } finally {
            System.setOut(out);
        }
        return o.toString(StandardCharsets.UTF_8);
    }
}

package tollgate.proxy.dashboard;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tollgate.proxy.cli.TollgateCli;

/** The reference figures: {@code tollgate stats --format json} run in-process, and how the page must write them. */
final class Figures {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private Figures() {
    }

    /** A tollgate on {@code upstream} with {@code storybot}'s $5 daily budget and the admin API opened by {@code adminToken}. */
    static tollgate.proxy.TestTollgate withAdmin(String upstream, java.nio.file.Path dir, String adminToken) throws Exception {
        java.util.Map<String, String> env = new java.util.HashMap<>(tollgate.proxy.budget.BudgetEnforcementTest.ENV);
        env.put("TOLLGATE_ADMIN_TOKEN", adminToken);
        return tollgate.proxy.TestTollgate.start(upstream, dir, tollgate.proxy.budget.BudgetEnforcementTest.config("reserve", "5"), env);
    }

    /** {@code stats --log-dir DIR --format json ARGS…}, parsed. */
    static JsonNode stats(java.nio.file.Path logDir, String... args) throws IOException {
        return JSON.readTree(printed(logDir, "json", args));
    }

    /** {@code stats --log-dir DIR --format FORMAT ARGS…}, as printed. */
    static String printed(java.nio.file.Path logDir, String format, String... args) {
        List<String> all = new ArrayList<>(List.of("stats", "--log-dir", logDir.toString(), "--format", format));
        all.addAll(List.of(args));
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            code = TollgateCli.run(all.toArray(String[]::new));
        } finally {
            System.setOut(out);
        }
        if (code != 0) {
            throw new AssertionError("stats exited " + code + ": " + o.toString(StandardCharsets.UTF_8));
        }
        return o.toString(StandardCharsets.UTF_8);
    }

    /** Every decimal as written, grouped by thousands: {@code 1234.5678901 → 1,234.5678901}, at least minFrac decimals. */
    static String number(BigDecimal v, int minFrac) {
        BigDecimal s = v.signum() == 0 ? BigDecimal.ZERO : v.stripTrailingZeros();
        DecimalFormat f = new DecimalFormat("#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT));
        f.setMinimumFractionDigits(minFrac);
        f.setMaximumFractionDigits(Math.max(minFrac, s.scale()));
        return f.format(s);
    }

    /** Money as the stats table writes it (cents from $1, four significant digits below). */
    static String usd(JsonNode n) {
        return tollgate.metering.report.Amounts.usd(n.decimalValue());
    }

    static String count(JsonNode n) {
        return number(n.decimalValue(), 0);
    }
}

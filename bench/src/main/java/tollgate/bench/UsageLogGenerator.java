package tollgate.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a synthetic usage log (SPEC 8 lines, one file per UTC day) for benchmarking {@code tollgate stats}.
 *
 * <pre>
 *   java bench/src/main/java/tollgate/bench/UsageLogGenerator.java DIR RECORDS DAYS [END_DATE] [gzip-older]
 * </pre>
 * Dependency-free so it runs from source. Costs follow SPEC 5's formula on a small built-in price table, exactly.
 */
public final class UsageLogGenerator {
    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o4-mini",
            "text-embedding-3-small"};
    private static final String[] RESPONSE_MODELS = {"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18",
            "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "o4-mini-2025-04-16", "text-embedding-3-small"};
    /** input, cached input, output per 1M tokens. */
    private static final BigDecimal[][] PRICES = {
            {new BigDecimal("2.50"), new BigDecimal("1.25"), new BigDecimal("10.00")},
            {new BigDecimal("0.15"), new BigDecimal("0.075"), new BigDecimal("0.60")},
            {new BigDecimal("2.00"), new BigDecimal("0.50"), new BigDecimal("8.00")},
            {new BigDecimal("0.40"), new BigDecimal("0.10"), new BigDecimal("1.60")},
            {new BigDecimal("1.10"), new BigDecimal("0.275"), new BigDecimal("4.40")},
            {new BigDecimal("0.02"), new BigDecimal("0.02"), BigDecimal.ZERO}};
    private static final String[] OPERATIONS = {"rag_answer", "summarize", "classify", "chat", "extract", "translate",
            "embed", "rerank"};
    private static final String[] ERRORS = {"client_disconnected", "upstream_cut", "http_500", "rate_limit_exceeded"};
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private UsageLogGenerator() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: UsageLogGenerator DIR RECORDS DAYS [END_DATE] [gzip-older]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        long records = Long.parseLong(args[1]);
        int days = Integer.parseInt(args[2]);
        LocalDate end = args.length > 3 ? LocalDate.parse(args[3]) : LocalDate.now(ZoneOffset.UTC);
        boolean gzipOlder = args.length > 4 && args[4].equals("gzip-older");
        Files.createDirectories(dir);
        SplittableRandom random = new SplittableRandom(42);
        BigDecimal total = BigDecimal.ZERO;
        long bytes = 0;
        StringBuilder line = new StringBuilder(512);
        for (int d = 0; d < days; d++) {
            LocalDate day = end.minusDays(days - 1L - d);
            long n = records / days + (d < records % days ? 1 : 0);
            boolean gz = gzipOlder && d < days - 1;
            Path file = dir.resolve("usage-" + day + ".jsonl" + (gz ? ".gz" : ""));
            try (Writer w = new BufferedWriter(new OutputStreamWriter(gz
                    ? new GZIPOutputStream(Files.newOutputStream(file), 1 << 16) : Files.newOutputStream(file),
                    StandardCharsets.UTF_8), 1 << 16)) {
                long dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
                for (long i = 0; i < n; i++) {
                    line.setLength(0);
                    total = total.add(record(line, random, dayStart + i * 86_400_000L / n, d * 10_000_000L + i));
                    w.write(line.toString());
                    bytes += line.length();
                }
            }
        }
        System.out.println("wrote " + records + " records, " + bytes + " bytes (uncompressed) in " + days
                + " files to " + dir + "; total cost_usd " + total.toPlainString());
    }

    private static BigDecimal record(StringBuilder b, SplittableRandom r, long epochMillis, long id) {
        int m = r.nextInt(100) < 45 ? 1 : r.nextInt(MODELS.length);
        boolean embedding = m == MODELS.length - 1;
        long input = 50 + r.nextInt(embedding ? 2000 : 6000);
        long cached = !embedding && input >= 1024 && r.nextInt(4) == 0 ? (input / 2 / 128) * 128 : 0;
        long output = embedding ? 0 : 10 + r.nextInt(1200);
        long reasoning = m == 4 ? output / 2 : 0;
        boolean failed = r.nextInt(100) < 2;
        boolean estimated = failed && r.nextBoolean() || r.nextInt(100) < 2;
        BigDecimal[] p = PRICES[m];
        BigDecimal cost = BigDecimal.valueOf(input - cached).multiply(p[0]).add(BigDecimal.valueOf(cached).multiply(p[1]))
                .add(BigDecimal.valueOf(output).multiply(p[2])).divide(MILLION).stripTrailingZeros();
        b.append("{\"ts\":\"").append(Instant.ofEpochMilli(epochMillis)).append("\",\"request_id\":\"req_")
                .append(Long.toHexString(id)).append("\",\"key\":\"team-").append(r.nextInt(50))
                .append("\",\"endpoint\":\"").append(embedding ? "/v1/embeddings" : "/v1/chat/completions")
                .append("\",\"model\":\"").append(RESPONSE_MODELS[m]).append("\",\"priced_as\":\"").append(MODELS[m])
                .append("\",\"stream\":").append(!embedding && r.nextBoolean()).append(",\"status\":")
                .append(failed ? 500 : 200).append(",\"input_tokens\":").append(input)
                .append(",\"cached_input_tokens\":").append(cached).append(",\"output_tokens\":").append(output)
                .append(",\"reasoning_tokens\":").append(reasoning).append(",\"total_tokens\":").append(input + output)
                .append(",\"estimated\":").append(estimated).append(",\"cost_usd\":").append(cost.toPlainString())
                .append(",\"duration_ms\":").append(200 + r.nextInt(20_000)).append(",\"ttfb_ms\":")
                .append(100 + r.nextInt(900)).append(",\"user\":\"user-").append(r.nextInt(2000))
                .append("\",\"tags\":{\"operation\":\"").append(OPERATIONS[r.nextInt(OPERATIONS.length)])
                .append("\",\"env\":\"").append(r.nextInt(10) == 0 ? "staging" : "prod").append("\"},\"error\":");
        if (failed) {
            b.append('"').append(ERRORS[r.nextInt(ERRORS.length)]).append('"');
        } else {
            b.append("null");
        }
        b.append("}\n");
        return cost;
    }
}

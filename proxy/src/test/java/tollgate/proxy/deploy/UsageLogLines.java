package tollgate.proxy.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** Reads usage-log records (SPEC 8) written by tollgate in a container, from a host folder or any text. */
final class UsageLogLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private UsageLogLines() {
    }

    /** The id a raw key is logged under when config names none (SPEC 3): fp- + 12 hex of its SHA-256. */
    static String keyId(String rawKey) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(rawKey.getBytes(StandardCharsets.UTF_8));
            return "fp-" + HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(String raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of every usage-YYYY-MM-DD.jsonl file in {@code dir}. */
    static List<JsonNode> inFolder(Path dir) {
        List<JsonNode> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("usage-\\d{4}-\\d{2}-\\d{2}\\.jsonl")).sorted().toList()) {
                out.addAll(parse(Files.readString(f, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    static List<JsonNode> parse(String text) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new AssertionError("usage-log line is not JSON: " + line, e);
                }
            }
        }
        return out;
    }

    /** Waits (the log is written off the request path) until {@code records} holds one matching {@code which}. */
    static JsonNode await(Supplier<List<JsonNode>> records, Predicate<JsonNode> which, String what) throws InterruptedException {
        List<JsonNode> seen = List.of();
        for (int i = 0; i < 150; i++) {
            seen = records.get();
            for (JsonNode r : seen) {
                if (which.test(r)) {
                    return r;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no usage-log record of " + what + " within 30 s; records seen: " + seen);
    }

    static BigDecimal cost(JsonNode record) {
        JsonNode c = record.get("cost_usd");
        return c == null || c.isNull() ? BigDecimal.ZERO : c.decimalValue();
    }
}

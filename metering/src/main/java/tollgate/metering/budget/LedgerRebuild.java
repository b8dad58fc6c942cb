package tollgate.metering.budget;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetWindow;
import tollgate.config.KeyConfig;
import tollgate.config.TollgateConfig;

/**
 * Rebuilds the spend of the windows still open from the usage log at start-up, so a restart does not hand every
 * key a fresh budget (SPEC 7). Reads {@code usage-YYYY-MM-DD.jsonl} (UTC dates) from the first day of the oldest
 * open window on, takes {@code ts}, {@code key}, {@code cost_usd} and {@code total_tokens} from each line, and
 * loads the sums into a {@link LocalBudgetStore}. Lines that do not parse are skipped and counted. Blocking file
 * I/O: run it before the server accepts calls. (The Redis store keeps its counters in Redis and needs none.)
 */
public final class LedgerRebuild {

    private static final Pattern FILE = Pattern.compile("usage-(\\d{4}-\\d{2}-\\d{2})\\.jsonl");
    private static final JsonFactory JSON = new JsonFactory();

    private final Path logDir;
    private final ZoneId zone;
    private final Clock clock;

    public LedgerRebuild(Path logDir, ZoneId zone, Clock clock) {
        this.logDir = logDir;
        this.zone = zone;
        this.clock = clock;
    }

    /**
     * What the rebuild read.
     *
     * @param records lines whose spend was loaded
     * @param malformed lines skipped because they did not parse or lacked {@code ts} or {@code key}
     * @param droppedKeys keys beyond {@code maxKeys}, whose spend was not loaded
     */
    public record Result(int files, long records, long malformed, int keys, int droppedKeys) {
    }

    /** The windows any budget of {@code config} uses: those worth rebuilding. */
    public static Set<BudgetWindow> windowsIn(TollgateConfig config) {
        Set<BudgetWindow> windows = EnumSet.noneOf(BudgetWindow.class);
        config.budgets().defaults().forEach(l -> windows.add(l.window()));
        for (KeyConfig key : config.keys()) {
            List<BudgetLimit> own = key.budgets();
            if (own != null) {
                own.forEach(l -> windows.add(l.window()));
            }
        }
        return windows;
    }

    /**
     * Loads the spend of the current instance of each of {@code windows} into {@code store}.
     *
     * @param windows the windows any budget uses; all files are read when {@code total} is among them
     * @param maxKeys the store's key bound; spend of further keys is not loaded
     */
    public Result loadInto(LocalBudgetStore store, Set<BudgetWindow> windows, int maxKeys) throws IOException {
        Instant now = clock.instant();
        List<WindowSlot> slots = new ArrayList<>();
        Instant earliest = now;
        for (BudgetWindow w : windows) {
            WindowSlot slot = BudgetWindows.slot(w, now, zone);
            slots.add(slot);
            earliest = slot.start().isBefore(earliest) ? slot.start() : earliest;
        }
        if (slots.isEmpty() || !Files.isDirectory(logDir)) {
            return new Result(0, 0, 0, 0, 0);
        }
        LocalDate firstDay = LocalDate.ofInstant(earliest, ZoneOffset.UTC);
        Map<String, Map<WindowSlot, Sum>> sums = new HashMap<>();
        Tally tally = new Tally();
        List<Path> files = files(firstDay);
        for (Path file : files) {
            read(file, slots, sums, maxKeys, tally);
        }
        sums.forEach((key, byslot) -> byslot.forEach((slot, sum) -> store.load(key, slot, sum.usd, sum.tokens)));
        return new Result(files.size(), tally.records, tally.malformed, sums.size(), tally.droppedKeys.size());
    }

    private List<Path> files(LocalDate firstDay) throws IOException {
        TreeMap<LocalDate, Path> byDate = new TreeMap<>();
        try (Stream<Path> listing = Files.list(logDir)) {
            listing.forEach(p -> {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    try {
                        LocalDate day = LocalDate.parse(m.group(1));
                        if (!day.isBefore(firstDay)) {
                            byDate.put(day, p);
                        }
                    } catch (DateTimeException notADate) {
                        // usage-2026-13-45.jsonl is not ours
                    }
                }
            });
        }
        return new ArrayList<>(byDate.values());
    }

    private static void read(Path file, List<WindowSlot> slots, Map<String, Map<WindowSlot, Sum>> sums, int maxKeys,
            Tally tally) throws IOException {
        // InputStreamReader replaces malformed UTF-8 instead of throwing, so one bad byte costs one line, not the file
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                Line parsed = parse(line);
                if (parsed == null) {
                    tally.malformed++;
                    continue;
                }
                tally.records++;
                for (WindowSlot slot : slots) {
                    if (!parsed.ts.isBefore(slot.start()) && !slot.endedBy(parsed.ts)) {
                        Map<WindowSlot, Sum> bySlot = sums.get(parsed.key);
                        if (bySlot == null) {
                            if (sums.size() >= maxKeys) {
                                tally.dropKey(parsed.key, maxKeys);
                                break;
                            }
                            bySlot = new HashMap<>();
                            sums.put(parsed.key, bySlot);
                        }
                        bySlot.computeIfAbsent(slot, s -> new Sum()).add(parsed.usd, parsed.tokens);
                    }
                }
            }
        }
    }

    /** The fields the budget needs, or null when the line is not a usable usage record. */
    static @Nullable Line parse(String line) {
        Instant ts = null;
        String key = null;
        BigDecimal usd = BigDecimal.ZERO;
        long tokens = 0;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "ts" -> ts = value == JsonToken.VALUE_STRING ? Instant.parse(p.getText()) : null;
                    case "key" -> key = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "cost_usd" -> usd = value.isNumeric() ? p.getDecimalValue() : BigDecimal.ZERO;
                    case "total_tokens" -> tokens = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
                    default -> {
                    }
                }
                p.skipChildren();
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                return null;
            }
        } catch (IOException | DateTimeException | ArithmeticException e) {
            return null;
        }
        if (ts == null || key == null || key.isEmpty() || usd.signum() < 0 || tokens < 0) {
            return null;
        }
        return new Line(ts, key, usd, tokens);
    }

    record Line(Instant ts, String key, BigDecimal usd, long tokens) {
    }

    private static final class Sum {
        private BigDecimal usd = BigDecimal.ZERO;
        private long tokens;

        void add(BigDecimal more, long moreTokens) {
            usd = usd.add(more);
            tokens += moreTokens;
        }
    }

    private static final class Tally {
        private long records;
        private long malformed;
        /** Bounded by the same maxKeys: only counted, never grows past it. */
        private final Set<String> droppedKeys = new HashSet<>();

        void dropKey(String key, int maxKeys) {
            if (droppedKeys.size() < maxKeys) {
                droppedKeys.add(key);
            }
        }
    }
}

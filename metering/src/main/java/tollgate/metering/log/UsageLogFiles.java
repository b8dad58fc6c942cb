package tollgate.metering.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The one file-name rule of the usage log (SPEC 8): the writer appends to {@code usage-YYYY-MM-DD.jsonl} (the UTC
 * date of the records' {@code ts}); readers also take that day's gzipped and rotated copies,
 * {@code usage-YYYY-MM-DD.jsonl.gz} and {@code usage-YYYY-MM-DD<.|->SUFFIX.jsonl[.gz]} (e.g. {@code .1},
 * {@code -0930}), as a rotation job leaves them.
 */
public final class UsageLogFiles {
    // the writer itself never rotates (UsageLogFile keeps one file per day); the suffixes are what stats accepted
    private static final Pattern NAME =
            Pattern.compile("usage-(\\d{4}-\\d{2}-\\d{2})(?:[.-][^/]*)?\\.jsonl(\\.gz)?");
    // a day's rotated and gzipped parts (archives of earlier lines) are read before its plain file (lines since)
    private static final Comparator<DayFile> ORDER = Comparator.comparing(DayFile::date)
            .thenComparing(DayFile::plain)
            .thenComparing(f -> f.path().getFileName().toString());

    private UsageLogFiles() {
    }

    /** One usage-log file and the UTC date in its name. */
    public record DayFile(Path path, LocalDate date, boolean gzip) {
        /** The day's own file, the one the writer appends to. */
        boolean plain() {
            return !gzip && path.getFileName().toString().equals(fileName(date));
        }
    }

    /** The name the writer gives the file of {@code date}. */
    public static String fileName(LocalDate date) {
        return "usage-" + date + ".jsonl";
    }

    /** The file named {@code fileName}'s date and compression, or null when it is not a usage-log file. */
    public static @Nullable DayFile parse(Path path) {
        Path name = path.getFileName();
        Matcher m = NAME.matcher(name == null ? "" : name.toString());
        if (!m.matches()) {
            return null;
        }
        try {
            return new DayFile(path, LocalDate.parse(m.group(1)), m.group(2) != null);
        } catch (DateTimeParseException e) {
            return null; // usage-2026-13-45.jsonl is not ours
        }
    }

    /**
     * The usage-log files of {@code dir} dated {@code from..to} (both included), by date, a day's archives before
     * its plain file; none when the folder does not exist.
     */
    public static List<DayFile> list(Path dir, LocalDate from, LocalDate to) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<DayFile> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.forEach(p -> {
                DayFile f = parse(p);
                if (f != null && !f.date().isBefore(from) && !f.date().isAfter(to) && Files.isRegularFile(p)) {
                    found.add(f);
                }
            });
        }
        found.sort(ORDER);
        return found;
    }
}

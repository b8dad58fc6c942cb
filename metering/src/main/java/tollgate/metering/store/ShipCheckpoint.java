package tollgate.metering.store;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Properties;
import java.util.UUID;
import tollgate.metering.log.AtomicFiles;

/**
 * Where this replica's shipping stands (issue 20): the replica's name, and the day and byte offset just past the
 * last line the database committed; a small file in the log folder ({@value #FILE_NAME}), replaced atomically after
 * each commit, so a crash leaves the previous or the new one, never half of either.
 *
 * @param replica this replica's name in {@code usage_records.replica}: the host's name and a random suffix, kept
 */
record ShipCheckpoint(String replica, LocalDate day, long offset) {
    static final String FILE_NAME = "store-checkpoint";

    /** The saved checkpoint, else a new replica starting at the start of {@code firstDay}. */
    static ShipCheckpoint load(Path dir, LocalDate firstDay) throws IOException {
        Path f = dir.resolve(FILE_NAME);
        if (Files.exists(f)) {
            Properties p = new Properties();
            p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
            try {
                String replica = p.getProperty("replica");
                if (replica != null && !replica.isBlank()) {
                    return new ShipCheckpoint(replica, LocalDate.parse(p.getProperty("day", "")),
                            Long.parseLong(p.getProperty("offset", "")));
                }
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new IOException(f + ": damaged (" + e.getMessage() + "); delete it to ship the log again "
                        + "from its first day (records already stored are not stored twice)", e);
            }
        }
        return new ShipCheckpoint(host() + "-" + UUID.randomUUID().toString().substring(0, 8), firstDay, 0);
    }

    ShipCheckpoint at(LocalDate d, long o) {
        return new ShipCheckpoint(replica, d, o);
    }

    /** Replaces the file atomically ({@link AtomicFiles#replace}). */
    void save(Path dir) throws IOException {
        AtomicFiles.replace(dir.resolve(FILE_NAME), ("replica=" + replica + "\nday=" + day + "\noffset=" + offset
                + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "tollgate";
            }
        }
        return h.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}

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
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.AtomicFiles;

/**
 * Where this replica's shipping stands (issue 20): the replica's name, and the day and byte offset just past the
 * last line the database committed; a small file in the log folder ({@value #FILE_NAME}), replaced atomically after
 * each commit, so a crash leaves the previous or the new one, never half of either. It is the local copy of the
 * database's checkpoint ({@code store_checkpoints}, moved in each batch's transaction), which counts when the two
 * differ: the shipper starts reading here and goes on from the database's once connected.
 *
 * <p>The name is half of every stored record's key (the other half is the line's place in this replica's log), so
 * it is kept apart from the checkpoint, in {@value #REPLICA_FILE}, written once: a checkpoint deleted or lost goes on
 * from the database's under the same name (or, with a database from before {@code store_checkpoints}, ships the
 * log again, and the records already stored are not stored twice).
 *
 * @param replica this replica's name in {@code usage_records.replica}: the host's name and a random suffix, kept
 */
record ShipCheckpoint(String replica, LocalDate day, long offset) {
    static final String FILE_NAME = "store-checkpoint";
    static final String REPLICA_FILE = "store-replica";

    /** The saved checkpoint, else the replica's start at the start of {@code firstDay}. */
    static ShipCheckpoint load(Path dir, LocalDate firstDay) throws IOException {
        Path f = dir.resolve(FILE_NAME);
        Properties p = null;
        if (Files.exists(f)) {
            p = new Properties();
            try {
                p.load(new StringReader(Files.readString(f, StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                throw damaged(f, e);
            }
        }
        // the name first: a damaged checkpoint of a folder from before store-replica still hands its name on
        String replica = replica(dir, p == null ? null : p.getProperty("replica"));
        if (p == null) {
            return new ShipCheckpoint(replica, firstDay, 0);
        }
        try {
            return new ShipCheckpoint(replica, LocalDate.parse(p.getProperty("day", "")),
                    Long.parseLong(p.getProperty("offset", "")));
        } catch (DateTimeParseException | NumberFormatException e) {
            throw damaged(f, e);
        }
    }

    private static IOException damaged(Path f, RuntimeException e) {
        return new IOException(f + ": damaged (" + e.getMessage() + "); delete it to go on from the database's "
                + "checkpoint (with none there, to ship the log again from its first day: records already stored are "
                + "not stored twice while " + REPLICA_FILE + " beside it keeps this replica's name)", e);
    }

    /**
     * This replica's name: from {@value #REPLICA_FILE}, else the one an older checkpoint holds, else a new one;
     * written to {@value #REPLICA_FILE} the first time.
     */
    private static String replica(Path dir, @Nullable String fromCheckpoint) throws IOException {
        Path f = dir.resolve(REPLICA_FILE);
        if (Files.exists(f)) {
            String name = Files.readString(f, StandardCharsets.UTF_8).strip();
            if (name.isEmpty()) {
                throw new IOException(f + ": empty; it holds this replica's name in log.store (usage_records.replica): "
                        + "write it back, or delete it and " + FILE_NAME + " to ship the log again under a new name "
                        + "(the records already stored would then be stored twice)");
            }
            return name;
        }
        String name = fromCheckpoint != null && !fromCheckpoint.isBlank() ? fromCheckpoint.strip()
                : host() + "-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicFiles.replace(f, (name + "\n").getBytes(StandardCharsets.UTF_8));
        return name;
    }

    /**
     * The name this log folder's records are stored under, without making one: {@value #REPLICA_FILE}, else an
     * older checkpoint's; null when the folder never shipped (then none of its records is stored).
     */
    static @Nullable String existingReplica(Path dir) throws IOException {
        Path f = dir.resolve(REPLICA_FILE);
        if (Files.exists(f)) {
            String name = Files.readString(f, StandardCharsets.UTF_8).strip();
            return name.isEmpty() ? null : name;
        }
        Path cp = dir.resolve(FILE_NAME);
        if (Files.exists(cp)) {
            Properties p = new Properties();
            try {
                p.load(new StringReader(Files.readString(cp, StandardCharsets.UTF_8)));
            } catch (IllegalArgumentException e) {
                return null;
            }
            String name = p.getProperty("replica");
            return name == null || name.isBlank() ? null : name.strip();
        }
        return null;
    }

    ShipCheckpoint at(LocalDate d, long o) {
        return new ShipCheckpoint(replica, d, o);
    }

    /**
     * Replaces the file atomically ({@link AtomicFiles#replace}); with the name too, for a tollgate older than
     * {@value #REPLICA_FILE} started on the folder again.
     */
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

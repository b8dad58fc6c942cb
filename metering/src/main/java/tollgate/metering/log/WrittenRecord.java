package tollgate.metering.log;

/**
 * A record the usage-log writer has just written, with its line as written (without the line break).
 *
 * @param line the JSON line, e.g. the {@code data:} of the admin live stream
 */
public record WrittenRecord(UsageRecord record, String line) {
}

package tollgate.config;

import java.time.Duration;

/** Upstream timeouts: connect, first response byte (headers) and idle between bytes (SPEC 2). */
public record Timeouts(Duration connect, Duration firstByte, Duration idle) {
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(600), Duration.ofSeconds(300));

    public Timeouts {
        Durations.requirePositive("timeouts.connect", connect);
        Durations.requirePositive("timeouts.first_byte", firstByte);
        Durations.requirePositive("timeouts.idle", idle);
    }
}

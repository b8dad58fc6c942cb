package tollgate.config;

import java.time.Duration;

/**
 * Timeouts (SPEC 2): upstream connect, first response byte (headers), idle between bytes; and {@code headers}, how
 * long a client has to send a complete request head (from its first byte, or from accepting a new connection).
 */
public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration headers) {
    public static final Duration DEFAULT_HEADERS = Duration.ofSeconds(30);
    public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(600), Duration.ofSeconds(300),
            DEFAULT_HEADERS);

    public Timeouts {
        Durations.requirePositive("timeouts.connect", connect);
        Durations.requirePositive("timeouts.first_byte", firstByte);
        Durations.requirePositive("timeouts.idle", idle);
        Durations.requirePositive("timeouts.headers", headers);
    }

    /** The upstream timeouts with the default {@code headers}. */
    public Timeouts(Duration connect, Duration firstByte, Duration idle) {
        this(connect, firstByte, idle, DEFAULT_HEADERS);
    }
}

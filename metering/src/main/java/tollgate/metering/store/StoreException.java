package tollgate.metering.store;

import java.sql.SQLException;
import tollgate.config.StoreConfig;

/**
 * The database of {@code log.store} cannot be used: the message is one line naming the setting
 * ({@code log.store: postgres://user@host:port/db: <the database's reason>}), never the password.
 */
public final class StoreException extends Exception {
    private final String reason;

    private StoreException(String message, String reason) {
        super(message);
        this.reason = reason;
    }

    static StoreException of(StoreConfig config, SQLException e) {
        String reason = reason(config, e);
        return new StoreException("log.store: " + config.display() + ": " + reason, reason);
    }

    /** The database's reason alone, without the setting. */
    String reason() {
        return reason;
    }

    /** The driver's message on one line, with the password masked should a server ever echo it. */
    static String reason(StoreConfig config, Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replaceAll("\\s+", " ").strip();
        if (config.password() != null && !config.password().isEmpty()) {
            m = m.replace(config.password(), "***");
        }
        return m;
    }
}

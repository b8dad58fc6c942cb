package tollgate.metering.log;

/** A usage-log line that is not one JSON object of SPEC 8's fields; the message names the field and what was expected. */
public final class MalformedLineException extends IllegalArgumentException {
    public MalformedLineException(String reason) {
        super("usage log line: " + reason);
    }

    public MalformedLineException(String reason, Throwable cause) {
        super("usage log line: " + reason, cause);
    }
}

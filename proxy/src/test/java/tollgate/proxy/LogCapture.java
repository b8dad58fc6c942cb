package tollgate.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Everything logged while it is open, at the root logger's level or a lower one given; detached on close. */
public final class LogCapture implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final Level level;

    private LogCapture(Level atLeast) {
        level = root.getLevel();
        if (atLeast != null) {
            root.setLevel(atLeast);
        }
        appender.start();
        root.addAppender(appender);
    }

    /** Captures at the configured level. */
    public static LogCapture start() {
        return new LogCapture(null);
    }

    /** Captures from {@code level} up (DEBUG: every line tollgate may write). */
    public static LogCapture start(Level level) {
        return new LogCapture(level);
    }

    /** The events so far (a copy: loggers on other threads keep appending). */
    public List<ILoggingEvent> events() {
        synchronized (appender) { // AppenderBase appends under this lock
            return new ArrayList<>(appender.list);
        }
    }

    /** Each event's message, with its exception's message when it has one. */
    public List<String> lines() {
        return events().stream().map(LogCapture::line).toList();
    }

    public List<String> lines(Level at) {
        return events().stream().filter(e -> e.getLevel() == at).map(LogCapture::line).toList();
    }

    private static String line(ILoggingEvent e) {
        return e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage());
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        root.setLevel(level);
    }
}

package tollgate.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Fails the test during which Netty's paranoid leak detector reports a leaked ByteBuf (registered for every
 * test through junit-platform.properties autodetection). Reports arrive when a leaked buffer is collected, so
 * each test ends with a GC and a few allocations to give the detector a chance to speak.
 */
public final class LeakGuard implements BeforeEachCallback, AfterEachCallback {
    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();

    static {
        Logger detector = (Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
        detector.setLevel(Level.ERROR);
        AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent e) {
                if (e.getFormattedMessage().contains("LEAK:")) {
                    REPORTS.add(e.getFormattedMessage());
                }
            }
        };
        appender.setName("leak-guard");
        appender.start();
        detector.addAppender(appender);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        REPORTS.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (int i = 0; i < 3 && REPORTS.isEmpty(); i++) {
            System.gc();
            Thread.sleep(20);
            // the detector reports on allocation of a tracked buffer
            io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
            io.netty.buffer.PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
        }
        if (!REPORTS.isEmpty()) {
            String first = REPORTS.get(0);
            REPORTS.clear();
            throw new AssertionError("Netty reported a ByteBuf leak during " + context.getDisplayName() + ":\n" + first);
        }
    }
}

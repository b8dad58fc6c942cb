package tollgate.bench.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.consumer.RecordedClass;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import org.jspecify.annotations.Nullable;

/**
 * Summarizes a JFR recording of tollgate under load: where CPU samples land (top frame, and the first tollgate
 * frame on the stack), what is allocated and where, lock contention, and GC pauses.
 *
 * <pre>
 * java -cp tollgate-bench.jar tollgate.bench.profile.JfrTopFrames tollgate.jfr [topN] [CLASS-OR-METHOD]
 * </pre>
 *
 * <p>With a third argument, also prints the heaviest allocation stacks and CPU stacks whose allocated class or
 * any frame contains that text (e.g. {@code DefaultChannelPromise} or {@code fillInStackTrace}).
 */
public final class JfrTopFrames {
    private final Map<String, Long> cpuTop = new HashMap<>();
    private final Map<String, Long> cpuTollgate = new HashMap<>();
    private final Map<String, Long> cpuPackage = new HashMap<>();
    private final Map<String, Long> allocClass = new HashMap<>();
    private final Map<String, Long> allocSite = new HashMap<>();
    private final Map<String, Long> allocTollgate = new HashMap<>();
    private final Map<String, Long> lockNanos = new HashMap<>();
    private final Map<String, Long> ioNanos = new HashMap<>();
    private final Map<String, Long> focusStacks = new HashMap<>();
    private @Nullable String focus;
    private long cpuSamples;
    private long allocBytes;
    private long gcCount;
    private long gcPauseNanos;
    private long gcLongestNanos;

    private JfrTopFrames() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrTopFrames FILE.jfr [topN]");
            System.exit(2);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        JfrTopFrames s = new JfrTopFrames();
        s.focus = args.length > 2 ? args[2] : null;
        try (RecordingFile f = new RecordingFile(Path.of(args[0]))) {
            while (f.hasMoreEvents()) {
                s.add(f.readEvent());
            }
        }
        s.print(top);
    }

    private void add(RecordedEvent e) {
        String type = e.getEventType().getName();
        switch (type) {
            case "jdk.ExecutionSample" -> {
                cpuSamples++;
                RecordedStackTrace st = e.getStackTrace();
                bump(cpuTop, topFrame(st), 1);
                bump(cpuTollgate, firstTollgateFrame(st), 1);
                bump(cpuPackage, packageOf(st), 1);
                focus("cpu", st, 1);
            }
            case "jdk.ObjectAllocationSample" -> {
                long w = e.getLong("weight");
                allocBytes += w;
                RecordedClass c = e.getClass("objectClass");
                bump(allocClass, c == null ? "?" : c.getName(), w);
                bump(allocSite, topFrame(e.getStackTrace()), w);
                bump(allocTollgate, firstTollgateFrame(e.getStackTrace()), w);
                focus("alloc " + (c == null ? "?" : c.getName()), e.getStackTrace(), w);
            }
            case "jdk.JavaMonitorEnter", "jdk.ThreadPark" -> {
                // parks of idle pool threads are waiting, not contention: only event-loop and tollgate stacks count
                String where = firstTollgateFrame(e.getStackTrace());
                if (!where.equals("(no tollgate frame)")) {
                    bump(lockNanos, type.substring(4) + " " + where, e.getDuration().toNanos());
                }
            }
            case "jdk.FileWrite", "jdk.FileForce", "jdk.FileRead" ->
                    bump(ioNanos, type.substring(4) + " " + firstTollgateFrame(e.getStackTrace()) + " [" + threadName(e) + "]",
                            e.getDuration().toNanos());
            case "jdk.GarbageCollection" -> {
                gcCount++;
                Duration d = e.getDuration("sumOfPauses");
                gcPauseNanos += d.toNanos();
                gcLongestNanos = Math.max(gcLongestNanos, e.getDuration("longestPause").toNanos());
            }
            default -> {
            }
        }
    }

    private void focus(String what, @Nullable RecordedStackTrace st, long weight) {
        String f = focus;
        if (f == null || st == null) {
            return;
        }
        StringBuilder sb = new StringBuilder(what);
        boolean hit = what.contains(f);
        int depth = 0;
        for (RecordedFrame fr : st.getFrames()) {
            String n = name(fr);
            hit |= n.contains(f);
            if (depth++ < 14) {
                sb.append("\n      ").append(n);
            }
        }
        if (hit) {
            bump(focusStacks, sb.toString(), weight);
        }
    }

    private static String threadName(RecordedEvent e) {
        var t = e.getThread();
        return t == null ? "?" : t.getJavaName();
    }

    private void print(int top) {
        System.out.printf("CPU samples: %d%n", cpuSamples);
        section("CPU by top frame", cpuTop, cpuSamples, top, "samples");
        section("CPU by package of the top frame", cpuPackage, cpuSamples, top, "samples");
        section("CPU by first tollgate frame on the stack (inclusive)", cpuTollgate, cpuSamples, top, "samples");
        System.out.printf("%nAllocation (sampled weight): %.1f MiB%n", allocBytes / 1048576.0);
        section("Allocation by class", allocClass, allocBytes, top, "bytes");
        section("Allocation by top frame", allocSite, allocBytes, top, "bytes");
        section("Allocation by first tollgate frame", allocTollgate, allocBytes, top, "bytes");
        section("Blocking (monitor enter / park) by first tollgate frame, total ns", lockNanos, 0, top, "ns");
        section("File IO by first tollgate frame [thread], total ns", ioNanos, 0, top, "ns");
        if (focus != null) {
            section("Stacks matching '" + focus + "' (weight: bytes for alloc, samples for cpu)", focusStacks, 0, 10, "");
        }
        System.out.printf("%nGC: %d collections, %.1f ms paused in total, longest pause %.2f ms%n",
                gcCount, gcPauseNanos / 1e6, gcLongestNanos / 1e6);
    }

    private static void section(String title, Map<String, Long> counts, long total, int top, String unit) {
        System.out.printf("%n== %s ==%n", title);
        List<Map.Entry<String, Long>> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top).toList();
        for (Map.Entry<String, Long> en : sorted) {
            String share = total > 0 ? String.format("%5.1f%%  ", 100.0 * en.getValue() / total) : "";
            System.out.printf("  %s%,15d %s  %s%n", share, en.getValue(), unit, en.getKey());
        }
    }

    private static void bump(Map<String, Long> m, String key, long by) {
        m.merge(key, by, Long::sum);
    }

    private static String topFrame(@Nullable RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) {
            return "?";
        }
        return name(st.getFrames().get(0));
    }

    private static String firstTollgateFrame(@Nullable RecordedStackTrace st) {
        if (st != null) {
            for (RecordedFrame f : st.getFrames()) {
                if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("tollgate.")) {
                    return name(f);
                }
            }
        }
        return "(no tollgate frame)";
    }

    private static String name(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls + "." + f.getMethod().getName() + ":" + f.getLineNumber();
    }

    private static String packageOf(@Nullable RecordedStackTrace st) {
        if (st == null || st.getFrames().isEmpty()) {
            return "?";
        }
        String[] parts = st.getFrames().get(0).getMethod().getType().getName().split("\\.");
        return parts.length > 3 ? parts[0] + "." + parts[1] + "." + parts[2] : String.join(".", parts);
    }
}

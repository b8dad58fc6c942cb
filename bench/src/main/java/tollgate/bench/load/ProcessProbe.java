package tollgate.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Watches the memory of the processes under test during a run: the peak of their summed resident set
 * ({@code VmRSS} of {@code /proc/PID/status}) and, for a JVM, one {@code jcmd PID GC.heap_info} at a chosen moment.
 */
final class ProcessProbe implements AutoCloseable {
    private static final long SAMPLE_MILLIS = 200;
    /**
     * jcmd GC.heap_info (JDK 17) prints one "total NK, used NK" line for G1's heap, and one per generation for
     * Serial and Parallel ("def new generation", "tenured generation", "PSYoungGen", "ParOldGen"): summed.
     */
    private static final Pattern HEAP = Pattern.compile("total (\\d+)K, used (\\d+)K");

    private final List<Long> pids;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "process-probe");
        t.setDaemon(true);
        return t;
    });
    private volatile long peakRssKb;
    private volatile long lastRssKb;
    private volatile @Nullable Map<String, Object> heap;
    private volatile long cpuTicksAtStart = -1;
    private volatile long cpuStartNanos;
    private long cpuTicksUsed = -1;
    private long cpuNanos;
    private volatile long @Nullable [] hostAtStart;
    private double hostBusy = -1;

    ProcessProbe(List<Long> pids) {
        this.pids = List.copyOf(pids);
        if (!pids.isEmpty()) {
            timer.scheduleAtFixedRate(this::sample, 0, SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs {@code jcmd heapPid GC.heap_info} once, {@code delayNanos} from now. */
    void heapInfoIn(long heapPid, long delayNanos) {
        timer.schedule(() -> heap = heapInfo(heapPid), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** Marks the start of the measured window for CPU time, {@code delayNanos} from now. */
    void cpuStartIn(long delayNanos) {
        timer.schedule(() -> {
            cpuStartNanos = System.nanoTime();
            cpuTicksAtStart = cpuTicks(pids);
            hostAtStart = hostTicks();
        }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /** Marks the end of the measured window for CPU time. */
    void cpuEnd() {
        cpuNanos = System.nanoTime() - cpuStartNanos;
        cpuTicksUsed = cpuTicksAtStart < 0 ? -1 : cpuTicks(pids) - cpuTicksAtStart;
        long[] start = hostAtStart;
        long[] end = hostTicks();
        if (start != null && end != null && end[1] > start[1]) {
            hostBusy = (double) (end[0] - start[0]) / (end[1] - start[1]);
        }
    }

    /** Busy and total ticks of all CPUs ({@code cpu} line of /proc/stat; idle and iowait are not busy). */
    static long @Nullable [] hostTicks() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            long idle = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i == 4 || i == 5) {
                    idle += v;
                }
            }
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** User + system time of the processes so far, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    static long cpuTicks(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
                // the command name (field 2) is in parentheses and may hold blanks: count fields after the last ')'
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return sum;
    }

    private void sample() {
        long sum = 0;
        for (long pid : pids) {
            sum += rssKb(pid);
        }
        lastRssKb = sum;
        if (sum > peakRssKb) {
            peakRssKb = sum;
        }
    }

    static long rssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static Map<String, Object> heapInfo(long pid) {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Matcher mm = HEAP.matcher(out);
            long committed = 0;
            long used = 0;
            boolean found = false;
            while (mm.find()) {
                committed += Long.parseLong(mm.group(1));
                used += Long.parseLong(mm.group(2));
                found = true;
            }
            if (found) {
                m.put("committed_kb", committed);
                m.put("used_kb", used);
            } else {
                m.put("error", out.strip().lines().findFirst().orElse("no output"));
            }
        } catch (IOException e) {
            m.put("error", "jcmd: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            m.put("error", "interrupted");
        }
        return m;
    }

    /** Share of all CPUs busy (any process) during the measured window, 0..1; -1 when unknown. */
    double hostBusy() {
        return hostBusy;
    }

    Map<String, Object> result() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pids", pids);
        m.put("rss_peak_kb", peakRssKb);
        m.put("rss_end_kb", lastRssKb);
        if (cpuTicksUsed >= 0) {
            // USER_HZ is 100 on every Linux the JDK runs on (sysconf(_SC_CLK_TCK)); one tick is 10 ms
            m.put("cpu_ms", cpuTicksUsed * 10);
            m.put("cpu_window_ms", TimeUnit.NANOSECONDS.toMillis(cpuNanos));
        }
        Map<String, Object> h = heap;
        if (h != null) {
            m.put("heap", h);
        }
        return m;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}

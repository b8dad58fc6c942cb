package tollgate.proxy.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Memory out of the box: {@code java -jar tollgate.jar serve} in a JVM given no heap or collector flags runs
 * tollgate in a child JVM sized for a proxy, as launchers of other JVM servers do. The JVM's own defaults
 * (G1, an initial heap of 1/64 of the machine's memory, growing to 1/4) commit hundreds of MB for a proxy whose
 * live heap is ~70 MB; the serial collector with tight free ratios keeps the heap close to what is live and
 * still grows it for 10,000 streams (bench/RESULTS.md). Any heap or GC flag of the user's, or
 * {@code TOLLGATE_JVM=keep}, runs tollgate in the JVM as started.
 * <p>
 * The parent forwards SIGTERM/SIGINT (graceful stop) and SIGHUP (reload) to the child and exits with its code;
 * the child stops when the parent dies.
 */
final class JvmSizing {
    static final String CHILD_MARK = "TOLLGATE_JVM_CHILD_OF";
    static final List<String> CHILD_FLAGS = List.of("-XX:+UseSerialGC", "-Xms24m", "-XX:MinHeapFreeRatio=10",
            "-XX:MaxHeapFreeRatio=30", "-XX:MaxRAMPercentage=50", "-Xss512k");
    private static final List<String> SIZING_FLAGS = List.of("-Xmx", "-Xms", "-XX:MaxHeapSize", "-XX:InitialHeapSize",
            "-XX:MaxRAM", "-XX:InitialRAMPercentage", "-XX:MinRAMPercentage", "-XX:+Use", "-XX:-Use");

    private JvmSizing() {}

    /** The child's exit code when tollgate ran in a sized child; empty when it is to run in this JVM. */
    static Optional<Integer> runSized(String[] args, Map<String, String> env) {
        if (args.length == 0 || !args[0].equals("serve") || env.containsKey(CHILD_MARK)
                || "keep".equals(env.get("TOLLGATE_JVM"))) {
            return Optional.empty();
        }
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        if (jvmArgs.stream().anyMatch(a -> SIZING_FLAGS.stream().anyMatch(a::startsWith))) {
            return Optional.empty();
        }
        Path jar = jar();
        String java = ProcessHandle.current().info().command().orElse(null);
        if (jar == null || java == null) {
            return Optional.empty();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(CHILD_FLAGS);
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(jar.toString());
        cmd.add(TollgateCli.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(CHILD_MARK, Long.toString(ProcessHandle.current().pid()));
        // glibc gives each thread that allocates an arena of its own: a few are plenty for a proxy's threads
        pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
        Process child;
        try {
            child = pb.start();
        } catch (IOException e) {
            return Optional.empty();
        }
        Thread forward = new Thread(() -> stop(child), "tollgate-launcher-stop");
        Runtime.getRuntime().addShutdownHook(forward);
        forwardSighup(child);
        try {
            int code = child.waitFor();
            Runtime.getRuntime().removeShutdownHook(forward);
            return Optional.of(code);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of(1);
        } catch (IllegalStateException shuttingDown) {
            return Optional.of(0);
        }
    }

    /** In the child: stop (gracefully, through the shutdown hooks) when the launching parent is gone. */
    static void watchParent(Map<String, String> env) {
        String parent = env.get(CHILD_MARK);
        if (parent == null) {
            return;
        }
        try {
            ProcessHandle.of(Long.parseLong(parent)).ifPresent(p -> p.onExit().thenRun(() -> System.exit(0)));
        } catch (NumberFormatException ignored) {
            // not ours: nothing to watch
        }
    }

    private static void stop(Process child) {
        child.destroy(); // SIGTERM: the child drains its calls (shutdown.grace) and flushes the usage log
        try {
            if (!child.waitFor(5, TimeUnit.MINUTES)) {
                child.destroyForcibly();
            }
        } catch (InterruptedException e) {
            child.destroyForcibly();
        }
    }

    private static void forwardSighup(Process child) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                try {
                    new ProcessBuilder("kill", "-HUP", Long.toString(child.pid())).inheritIO().start();
                } catch (IOException e) {
                    System.err.println("tollgate: cannot forward SIGHUP (" + e.getMessage() + "); use POST /admin/reload");
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // SIGHUP cannot be trapped here: the other reload triggers remain
        }
    }

    private static @Nullable Path jar() {
        try {
            Path p = Path.of(JvmSizing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? p : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }
}

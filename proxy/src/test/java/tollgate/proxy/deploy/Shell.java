package tollgate.proxy.deploy;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an external tool (podman, promtool, kubectl, ...) to completion with a time limit and keeps its output. */
final class Shell {
    /** What a finished command left behind. */
    record Result(List<String> command, int code, String out, String err) {
        boolean ok() {
            return code == 0;
        }

        /** The result, or an error naming the command, its exit code and its output. */
        Result orFail() {
            if (code != 0) {
                throw new AssertionError(describe());
            }
            return this;
        }

        String describe() {
            return "`" + String.join(" ", command) + "` exited " + code + "\n--- stdout\n" + tail(out) + "\n--- stderr\n" + tail(err);
        }

        private static String tail(String s) {
            return s.length() <= 4000 ? s : "…" + s.substring(s.length() - 4000);
        }
    }

    private final Map<String, String> env;
    private final Path dir;

    Shell(Map<String, String> env, Path dir) {
        this.env = Map.copyOf(env);
        this.dir = dir;
    }

    Shell withEnv(Map<String, String> more) {
        java.util.HashMap<String, String> all = new java.util.HashMap<>(env);
        all.putAll(more);
        return new Shell(all, dir);
    }

    Shell in(Path directory) {
        return new Shell(env, directory);
    }

    Result run(Duration limit, String... command) {
        return run(limit, List.of(command));
    }

    Result run(Duration limit, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            Process p = pb.start();
            CompletableFuture<String> out = drain(p.getInputStream());
            CompletableFuture<String> err = drain(p.getErrorStream());
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("`" + String.join(" ", command) + "` did not finish within " + limit.toSeconds()
                        + " s\n--- stdout\n" + out.getNow("") + "\n--- stderr\n" + err.getNow(""));
            }
            return new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start `" + String.join(" ", command) + "`", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running `" + String.join(" ", command) + "`", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output lost: " + e.getMessage() + ")";
            }
        });
    }

    /** The executable {@code name} on the PATH, or an aborted (skipped) test saying, loudly, that it is missing. */
    static Path require(String name, String install) {
        return which(name).orElseGet(() -> {
            String reason = name + " is not installed (" + install + ")";
            System.err.println("\n*** SKIPPED: " + reason + " ***\n");
            org.junit.jupiter.api.Assumptions.abort(reason);
            return null;
        });
    }

    /** The executable {@code name} on the PATH, if any. */
    static Optional<Path> which(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        List<Path> found = new ArrayList<>();
        for (String d : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                found.add(candidate);
            }
        }
        return found.stream().findFirst();
    }
}

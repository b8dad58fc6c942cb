package tollgate.metering.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Small state files beside the usage log (checkpoints, counts) replaced whole: blocking, never on an event loop. */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Where {@link #replace} writes before the move: what a crash in between leaves behind. */
    public static Path tmpOf(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    /**
     * Writes {@code bytes} to a temp file beside {@code target}, forces it, and moves it over {@code target}
     * atomically, so a crash leaves the previous content or the new one, never half of either.
     */
    public static void replace(Path target, byte[] bytes) throws IOException {
        Path tmp = tmpOf(target);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}

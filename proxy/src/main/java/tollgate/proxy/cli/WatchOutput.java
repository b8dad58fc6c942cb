package tollgate.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Where the board goes: redrawn in place on a terminal (ANSI), or appended line by line to a pipe. */
final class WatchOutput {
    private final PrintWriter out;
    private final boolean ansi;
    private final int rows;
    private final int columns;
    private final AtomicBoolean closed = new AtomicBoolean();
    private String lastStatus = "";

    WatchOutput(PrintWriter out, WatchBoard board, boolean ansi) {
        this.out = out;
        this.ansi = ansi;
        int[] size = ansi ? terminalSize() : new int[] {24, 80};
        this.rows = size[0];
        this.columns = size[1];
        if (ansi) {
            // the alternate screen keeps the user's scrollback as it was; the cursor is hidden while drawing
            out.print("\u001b[?1049h\u001b[?25l");
            redraw(board);
        }
    }

    synchronized void call(WatchBoard board, JsonNode r) {
        if (ansi) {
            redraw(board);
        } else {
            out.println(board.call(r, true));
            out.flush();
        }
    }

    synchronized void totals(WatchBoard board) {
        if (ansi) {
            redraw(board);
            return;
        }
        out.println("today " + board.totals());
        board.budgetLines().forEach(out::println);
        out.flush();
    }

    synchronized void status(WatchBoard board) {
        if (ansi) {
            redraw(board);
            return;
        }
        String now = board.status();
        if (!now.equals(lastStatus)) {
            lastStatus = now;
            out.println("-- " + now);
            out.flush();
        }
    }

    private void redraw(WatchBoard board) {
        if (!closed.get()) {
            out.print(board.screen(rows, columns));
            out.flush();
        }
    }

    synchronized void close() {
        if (closed.compareAndSet(false, true) && ansi) {
            out.print("\u001b[?25h\u001b[?1049l");
            out.flush();
        }
    }

    /**
     * Rows and columns: {@code LINES}/{@code COLUMNS} when exported, else {@code stty size} on the terminal, else
     * 24 × 80 (the VT100's, which every terminal can show).
     */
    private static int[] terminalSize() {
        int[] size = {24, 80};
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor(1, TimeUnit.SECONDS)) {
                String[] rc = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
                if (rc.length == 2) {
                    size = new int[] {Integer.parseInt(rc[0]), Integer.parseInt(rc[1])};
                }
            } else {
                p.destroy();
            }
        } catch (IOException | NumberFormatException e) {
            // no stty (Windows) or no terminal: the defaults
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        size[0] = env("LINES", size[0]);
        size[1] = env("COLUMNS", size[1]);
        return new int[] {Math.max(12, size[0]), Math.max(40, size[1])};
    }

    private static int env(String name, int dflt) {
        try {
            String v = System.getenv(name);
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}

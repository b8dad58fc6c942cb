package tollgate.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An upstream on a raw socket whose answer is a script writing bytes with exact timing (chunk by chunk),
 * for tests where MockWebServer's framing gets in the way. One request per connection.
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** Writes the whole response, framing included. */
    public interface Script {
        void answer(String requestHead, byte[] requestBody, OutputStream out) throws Exception;
    }

    private final ServerSocket server;
    private final Thread acceptor;
    public final BlockingQueue<String> requestHeads = new LinkedBlockingQueue<>();
    public final BlockingQueue<byte[]> requestBodies = new LinkedBlockingQueue<>();

    public ScriptedUpstream(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> serve(s, script), "scripted-upstream-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "scripted-upstream");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket s, Script script) {
        try (s) {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int state = 0;
            while (state < 4) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
                state = (b == '\r' || b == '\n') ? (state == 0 && b == '\r' ? 1 : state + (b == '\n' || state % 2 == 0 ? 1 : 0)) : 0;
                String h = head.toString(StandardCharsets.ISO_8859_1);
                if (h.endsWith("\r\n\r\n")) {
                    break;
                }
            }
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int len = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    len = Integer.parseInt(line.substring(15).trim());
                }
            }
            byte[] body = in.readNBytes(len);
            requestHeads.add(h);
            requestBodies.add(body);
            script.answer(h, body, s.getOutputStream());
            s.getOutputStream().flush();
        } catch (Exception e) {
            // the client (tollgate) went away: that is what some tests want
        }
    }

    public String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    public String takeHead() throws InterruptedException {
        return requestHeads.poll(5, TimeUnit.SECONDS);
    }

    /** Writes the head of a chunked streaming response. */
    public static void sseHead(OutputStream out) throws IOException {
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Writes one chunk and flushes it; an empty text ends the body. */
    public static void chunk(OutputStream out, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        if (b.length == 0) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

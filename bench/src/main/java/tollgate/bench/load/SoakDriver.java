package tollgate.bench.load;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tollgate.bench.Flags;

/**
 * The soak's load (issue 17, {@code bench/soak}): {@code --streams} streamed chat calls spread evenly over
 * {@code --duration-s}, one connection each, a share of them aborted by the client after a random number of chunks
 * ({@code --abort-share}) and a share cut by the upstream ({@code --cut-share}, through the mock's
 * {@code x-mock-cut-after}). Plain blocking sockets on a pool of threads: the driver is not what is measured. Prints one
 * JSON object with what it sent and saw.
 */
public final class SoakDriver {
    private SoakDriver() {}

    public static void main(String[] args) throws Exception {
        Flags f = Flags.parse(args);
        String target = f.string("target", "127.0.0.1:8080");
        String key = f.string("key", "sk-soak");
        int streams = f.intValue("streams", 20_000, 1, 10_000_000);
        long durationS = f.longValue("duration-s", 600, 1, 86_400);
        int chunks = f.intValue("chunks", 20, 2, 10_000);
        long chunkDelayMs = f.longValue("chunk-delay-ms", 100, 0, 60_000);
        double abortShare = Double.parseDouble(f.string("abort-share", "0.2"));
        double cutShare = Double.parseDouble(f.string("cut-share", "0.05"));
        int threads = f.intValue("threads", 256, 1, 4096);
        long seed = f.longValue("seed", 17, 0, Long.MAX_VALUE);
        f.requireAllKnown();

        int colon = target.lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        AtomicLong sent = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong aborted = new AtomicLong();
        AtomicLong cut = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        SplittableRandom plan = new SplittableRandom(seed);
        long start = System.nanoTime();
        long spacingNanos = TimeUnit.SECONDS.toNanos(durationS) / streams;
        for (int i = 0; i < streams; i++) {
            double roll = plan.nextDouble();
            int abortAfter = roll < abortShare ? 1 + plan.nextInt(chunks - 1) : 0;
            int cutAfter = roll >= abortShare && roll < abortShare + cutShare ? 1 + plan.nextInt(chunks - 1) : 0;
            long due = start + i * spacingNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait); // pacing the open loop, not synchronisation
            }
            pool.execute(() -> {
                sent.incrementAndGet();
                try {
                    switch (stream(addr, key, chunks, chunkDelayMs, abortAfter, cutAfter)) {
                        case COMPLETE -> completed.incrementAndGet();
                        case ABORTED -> aborted.incrementAndGet();
                        case CUT -> cut.incrementAndGet();
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.MINUTES);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("streams_sent", sent.get());
        out.put("completed", completed.get());
        out.put("aborted_by_client", aborted.get());
        out.put("cut_by_upstream", cut.get());
        out.put("failed", failed.get());
        out.put("seconds", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        StringBuilder json = new StringBuilder("{");
        out.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
        System.out.println(json.append('}'));
    }

    enum Ending { COMPLETE, ABORTED, CUT }

    /** One streamed call on its own connection; reads until {@code [DONE]}, the upstream's cut, or its own abort. */
    static Ending stream(InetSocketAddress addr, String key, int chunks, long delayMs, int abortAfter, int cutAfter)
            throws Exception {
        String body = "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"soak\"}]}";
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: soak\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nConnection: close\r\nx-mock-chunks: " + chunks
                + "\r\nx-mock-chunk-delay-ms: " + delayMs + (cutAfter > 0 ? "\r\nx-mock-cut-after: " + cutAfter : "")
                + "\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
        try (Socket s = new Socket()) {
            s.connect(addr, 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            StringBuilder seen = new StringBuilder();
            int dataEvents = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                String piece = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                seen.append(piece);
                for (int at = piece.indexOf("data:"); at >= 0; at = piece.indexOf("data:", at + 5)) {
                    dataEvents++;
                }
                if (abortAfter > 0 && dataEvents > abortAfter) {
                    s.setSoLinger(true, 0); // the client goes away mid-stream (RST, as a killed client would)
                    return Ending.ABORTED;
                }
                if (seen.indexOf("[DONE]") >= 0) {
                    return Ending.COMPLETE;
                }
                if (seen.length() > 1 << 16) {
                    seen.delete(0, seen.length() - 16);
                }
            }
            return Ending.CUT;
        }
    }
}

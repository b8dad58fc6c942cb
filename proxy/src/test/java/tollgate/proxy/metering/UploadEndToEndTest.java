package tollgate.proxy.metering;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.Upstreams;

/**
 * Multipart uploads through a real tollgate (SPEC 12: "multipart uploads are streamed through, never held whole"): a
 * 20 MB transcription upload reaches the upstream while its client is still sending it, byte for byte, and is metered
 * from the answer's duration; a budget reserves for the upload's declared length, not for the bytes it was admitted on.
 */
class UploadEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String BOUNDARY = "tg-upload-0123456789";
    /** whisper-1's {@code verbose_json} answer, as in metering's {@code units/transcription_whisper-1_verbose.json}. */
    static final String VERBOSE = "{\"task\":\"transcribe\",\"language\":\"english\",\"duration\":8.470000267028809,"
            + "\"text\":\"The beach was a popular spot on a hot summer day.\",\"segments\":[]}";
    private static final int FILE_BYTES = 20 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void aTwentyMegabyteUploadReachesTheUpstreamWhileItIsStillBeingSentAndIsMetered() throws Exception {
        byte[] file = new byte[FILE_BYTES];
        new Random(15).nextBytes(file);
        byte[] fields = fields("whisper-1");
        byte[] end = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(US_ASCII);
        try (MockWebServer upstream = Upstreams.answering(VERBOSE);
             CountingRelay relay = new CountingRelay(upstream.getPort());
             TestTollgate tg = TestTollgate.start("http://127.0.0.1:" + relay.port() + "/", dir, "log: {fsync: always}\n")) {
            // the client holds back the second half of its file until the upstream has a megabyte of the first
            HeldBackUpload body = new HeldBackUpload(List.of(fields, file, end), fields.length + FILE_BYTES / 2,
                    () -> relay.awaitForwarded(fields.length + 1024 * 1024, 20_000));
            HttpResponse<String> res = upload(tg, body);

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo(VERBOSE);
            assertThat(body.upstreamHadTheFirstHalf).as("bytes reached the upstream before the client sent its second half")
                    .isTrue();
            RecordedRequest got = upstream.takeRequest(10, TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            assertThat(got.getHeaders().get("Content-Length")).isEqualTo(Long.toString(body.length()));
            byte[] received = got.getBody().toByteArray();
            assertThat(received.length).isEqualTo(body.length());
            assertThat(sha256(received)).isEqualTo(sha256(fields, file, end));

            JsonNode r = JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(r.get("endpoint").asText()).isEqualTo("/v1/audio/transcriptions");
            assertThat(r.get("model").asText()).isEqualTo("whisper-1");
            assertThat(r.get("status").asInt()).isEqualTo(200);
            assertThat(r.get("audio_seconds").decimalValue()).isEqualByComparingTo("8.470000267028809");
            // 8.470000267028809 s × $0.006 / 60 s
            assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.0008470000267028809"));
            assertThat(r.get("error").isNull()).isTrue();
        }
    }

    @Test
    void aTwentyMegabyteWavAskedForAsTextIsPricedFromItsLengthAsItStreams() throws Exception {
        // 20 MiB of 16 kHz mono 16-bit PCM, its data size written as unknown (0xFFFFFFFF, as a WAV written to a pipe):
        // its length is the part's bytes, known only at its delimiter, 20,971,520 / 32,000 = 655.36 s
        byte[] wavHeader = wavHeader(16_000, 1, 16);
        byte[] data = new byte[FILE_BYTES];
        new Random(17).nextBytes(data);
        byte[] fields = fields("whisper-1", "text", "talk.wav");
        byte[] end = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(US_ASCII);
        String transcript = "The beach was a popular spot on a hot summer day.\n";
        try (MockWebServer upstream = Upstreams.answering(transcript, "text/plain; charset=utf-8", new AtomicInteger());
             CountingRelay relay = new CountingRelay(upstream.getPort());
             TestTollgate tg = TestTollgate.start("http://127.0.0.1:" + relay.port() + "/", dir, "log: {fsync: always}\n")) {
            HeldBackUpload body = new HeldBackUpload(List.of(fields, wavHeader, data, end),
                    fields.length + wavHeader.length + FILE_BYTES / 2,
                    () -> relay.awaitForwarded(fields.length + 1024 * 1024, 20_000));
            HttpResponse<String> res = upload(tg, body);

            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo(transcript);
            assertThat(body.upstreamHadTheFirstHalf).as("bytes reached the upstream before the client sent its second half")
                    .isTrue();
            RecordedRequest got = upstream.takeRequest(10, TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            assertThat(sha256(got.getBody().toByteArray())).isEqualTo(sha256(fields, wavHeader, data, end));

            JsonNode r = JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(r.get("model").asText()).isEqualTo("whisper-1");
            assertThat(r.get("audio_seconds").decimalValue()).isEqualByComparingTo("655.36");
            // 655.36 s × $0.006 / 60 s
            assertThat(r.get("cost_usd").decimalValue()).isEqualByComparingTo(new BigDecimal("0.065536"));
        }
    }

    @Test
    void aPlainTextTranscriptionOfAFileWhoseLengthCannotBeReadStaysUnpriced() throws Exception {
        // random bytes are no container tollgate reads: no length, and no price rather than a guess
        byte[] file = new byte[100 * 1024];
        new Random(18).nextBytes(file);
        byte[] fields = fields("whisper-1", "text", "noise.mp3");
        byte[] end = ("\r\n--" + BOUNDARY + "--\r\n").getBytes(US_ASCII);
        try (MockWebServer upstream = Upstreams.answering("Hm.\n", "text/plain; charset=utf-8", new AtomicInteger());
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "{}")) {
            HttpResponse<String> res = upload(tg, new HeldBackUpload(List.of(fields, file, end), -1, () -> true));

            assertThat(res.statusCode()).isEqualTo(200);
            JsonNode r = JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(r.get("model").asText()).isEqualTo("whisper-1");
            assertThat(r.get("cost_usd").isNull()).isTrue();
            assertThat(r.get("audio_seconds").decimalValue()).isEqualByComparingTo("0");
        }
    }

    /** A RIFF WAVE header of PCM whose {@code data} size is unknown (0xFFFFFFFF): the data runs to the file's end. */
    private static byte[] wavHeader(int rate, int channels, int bits) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(US_ASCII)).putInt(-1).put("WAVE".getBytes(US_ASCII));
        b.put("fmt ".getBytes(US_ASCII)).putInt(16).putShort((short) 1).putShort((short) channels).putInt(rate)
                .putInt(rate * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        b.put("data".getBytes(US_ASCII)).putInt(-1);
        return b.array();
    }

    @Test
    void aBudgetReservesForTheDeclaredLengthOfAnUpload() throws Exception {
        AtomicInteger served = new AtomicInteger();
        // a 1 MiB upload holds at most 1,049 s at 8 kbit/s: $0.105 at whisper-1's $0.006 a minute, over the $0.05 left;
        // its first 64 KiB alone (at most 74 s: $0.0074) would fit
        String yaml = "budgets:\n  mode: reserve\n"
                + "keys:\n  - name: transcriber\n    key_env: UPLOAD_KEY\n    budgets:\n      - {window: daily, usd: 0.05}\n";
        byte[] file = new byte[1024 * 1024];
        new Random(16).nextBytes(file);
        try (MockWebServer upstream = Upstreams.answering(VERBOSE, served);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, yaml, Map.of("UPLOAD_KEY", KEY))) {
            HttpResponse<String> res = upload(tg, new HeldBackUpload(List.of(fields("whisper-1"), file,
                    ("\r\n--" + BOUNDARY + "--\r\n").getBytes(US_ASCII)), -1, () -> true));

            assertThat(res.statusCode()).isEqualTo(429);
            assertThat(res.body()).contains("\"budget_exceeded\"");
            assertThat(served.get()).isZero();
            JsonNode r = JSON.readTree(tg.awaitRecords(1).get(0));
            assertThat(r.get("error").asText()).isEqualTo("budget_exceeded");
            assertThat(r.get("model").asText()).isEqualTo("whisper-1");
        }
    }

    @Test
    void anUploadAnnouncedWithExpectContinueGets100ContinueOr413AtOnce() throws Exception {
        byte[] body = concat(fields("whisper-1"), ("ID3audio\r\n--" + BOUNDARY + "--\r\n").getBytes(US_ASCII));
        try (MockWebServer upstream = Upstreams.answering(VERBOSE);
             TestTollgate tg = TestTollgate.start(upstream.url("/").toString(), dir, "limits: {max_request_bytes: 1048576}\n")) {
            // curl announces bodies over 1 MB so and waits: over the limit, the answer is 413 instead of 100 Continue
            try (Socket s = new Socket("127.0.0.1", tg.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(uploadHead(2_000_000).getBytes(US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 413").doesNotContain("100 Continue").contains("\"request_too_large\"");
            }
            try (Socket s = new Socket("127.0.0.1", tg.port())) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(uploadHead(body.length).getBytes(US_ASCII));
                assertThat(head(s.getInputStream())).startsWith("HTTP/1.1 100 Continue");
                s.getOutputStream().write(body);
                String answer = new String(s.getInputStream().readAllBytes(), US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 200").endsWith(VERBOSE);
            }
            RecordedRequest got = upstream.takeRequest(5, TimeUnit.SECONDS);
            assertThat(got).isNotNull();
            assertThat(got.getHeaders().get("Expect")).isNull();
            assertThat(got.getBody().toByteArray()).isEqualTo(body);
        }
    }

    /** An upload's head announced with {@code Expect: 100-continue}. */
    private static String uploadHead(long contentLength) {
        return "POST /v1/audio/transcriptions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + KEY + "\r\n"
                + "Content-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\nConnection: close\r\n"
                + "Expect: 100-continue\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    /** One response head, read up to its blank line. */
    private static String head(InputStream in) throws IOException {
        StringBuilder out = new StringBuilder();
        while (!out.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            out.append((char) b);
        }
        return out.toString();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static final String KEY = "tg-upload-test-key-0123456789";

    static byte[] fields(String model) {
        return fields(model, "verbose_json", "talk.mp3");
    }

    /** The form's fields as openai-python sends them (the file last), up to the file's bytes. */
    static byte[] fields(String model, String responseFormat, String filename) {
        return ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n" + model + "\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\n"
                + responseFormat + "\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(US_ASCII);
    }

    private static HttpResponse<String> upload(TestTollgate tg, HeldBackUpload body) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(tg.base() + "/v1/audio/transcriptions"))
                .header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> body),
                        body.length()))
                .build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(byte[]... parts) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        for (byte[] p : parts) {
            d.update(p);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** An upload body that, at {@code holdAt}, waits for {@code release} before it gives its client the rest. */
    static final class HeldBackUpload extends InputStream {
        interface Release {
            boolean await() throws InterruptedException;
        }

        private final List<byte[]> parts;
        private final long holdAt;
        private final Release release;
        private int part;
        private int at;
        private long sent;
        volatile boolean upstreamHadTheFirstHalf;

        HeldBackUpload(List<byte[]> parts, long holdAt, Release release) {
            this.parts = parts;
            this.holdAt = holdAt;
            this.release = release;
        }

        long length() {
            return parts.stream().mapToLong(p -> p.length).sum();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (sent == holdAt) {
                try {
                    upstreamHadTheFirstHalf = release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            while (part < parts.size() && at == parts.get(part).length) {
                part++;
                at = 0;
            }
            if (part == parts.size()) {
                return -1;
            }
            byte[] p = parts.get(part);
            long limit = sent < holdAt ? holdAt - sent : Long.MAX_VALUE;
            int n = (int) Math.min(Math.min(len, p.length - at), limit);
            System.arraycopy(p, at, b, off, n);
            at += n;
            sent += n;
            return n;
        }
    }

    /**
     * A TCP relay in front of the upstream that counts the bytes tollgate sends it, so a test can see an upload
     * arrive while its client is still sending it.
     */
    static final class CountingRelay implements AutoCloseable {
        private final ServerSocket server;
        private final int upstreamPort;
        private long forwarded;

        CountingRelay(int upstreamPort) throws IOException {
            this.upstreamPort = upstreamPort;
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread accept = new Thread(this::accept, "counting-relay");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        /** Waits until tollgate has sent at least {@code bytes}; false after {@code millis}. */
        synchronized boolean awaitForwarded(long bytes, long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            while (forwarded < bytes) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                wait(left);
            }
            return true;
        }

        private synchronized void counted(int n) {
            forwarded += n;
            notifyAll();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                    pump(in, out, true);
                    pump(out, in, false);
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void pump(Socket from, Socket to, boolean count) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                    for (int n; (n = i.read(buf)) >= 0; ) {
                        o.write(buf, 0, n);
                        if (count) {
                            counted(n);
                        }
                    }
                } catch (IOException e) {
                    // either side closed: the other is closed below
                } finally {
                    close(from);
                    close(to);
                }
            }, "counting-relay-pump");
            t.setDaemon(true);
            t.start();
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException e) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}

package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;

/** HTTPS upstreams are verified: a self-signed test CA is refused until configured as tls.ca_file. */
class TlsUpstreamTest {
    @TempDir
    Path dir;

    MockWebServer upstream;
    Path caFile;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("tollgate test CA").build();
        HeldCertificate server = new HeldCertificate.Builder().signedBy(ca).addSubjectAlternativeName("localhost")
                .commonName("localhost").build();
        HandshakeCertificates certs = new HandshakeCertificates.Builder().heldCertificate(server, ca.certificate()).build();
        upstream = new MockWebServer();
        upstream.useHttps(certs.sslSocketFactory());
        upstream.start();
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certificatePem());
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    @Test
    void untrustedCertificateIsRefusedWith502() throws Exception {
        try (TestTollgate tg = TestTollgate.start("https://localhost:" + upstream.getPort(), dir.resolve("a"), "{}")) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(502);
            assertThat(res.body()).contains("upstream_unavailable");
        }
        assertThat(upstream.getRequestCount()).isZero();
    }

    @Test
    void configuredTestCaIsTrusted() throws Exception {
        upstream.enqueue(new MockResponse.Builder().body("{\"object\":\"list\",\"data\":[]}").build());
        try (TestTollgate tg = TestTollgate.start("https://localhost:" + upstream.getPort(), dir.resolve("b"),
                "tls: {ca_file: " + caFile + "}\n")) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("{\"object\":\"list\",\"data\":[]}");
        }
        // (the JDK sends no SNI for dot-less names such as localhost, so SNI itself is not asserted here)
        assertThat(upstream.takeRequest(5, TimeUnit.SECONDS).getHandshake()).isNotNull();
    }

    @Test
    void certificateForAnotherHostIsRefused() throws Exception {
        // 127.0.0.1 is not among the certificate's names: host name verification must fail
        try (TestTollgate tg = TestTollgate.start("https://127.0.0.1:" + upstream.getPort(), dir.resolve("c"),
                "tls: {ca_file: " + caFile + "}\n")) {
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(tg.base() + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(502);
        }
    }
}

package tollgate.proxy.upstream;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/** Where calls go: scheme, host, port, base path, and the TLS context that verifies the upstream's certificate. */
public final class UpstreamTarget {
    private final URI uri;
    private final String host;
    private final int port;
    private final String basePath;
    private final String hostHeader;
    private final @Nullable SslContext sslContext;

    private UpstreamTarget(URI uri, @Nullable SslContext sslContext) {
        this.uri = uri;
        boolean https = uri.getScheme().toLowerCase(Locale.ROOT).equals("https");
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        boolean defaultPort = uri.getPort() < 0 || (https && port == 443) || (!https && port == 80);
        this.hostHeader = defaultPort ? host : host + ":" + port;
        this.sslContext = sslContext;
    }

    /** Builds the target; with {@code caFile} only the CAs in that PEM file are trusted, else the JDK's trust store. */
    public static UpstreamTarget of(URI uri, @Nullable Path caFile) throws IOException {
        SslContext ssl = null;
        if (uri.getScheme().equalsIgnoreCase("https")) {
            SslContextBuilder b = SslContextBuilder.forClient();
            if (caFile != null) {
                b.trustManager(caFile.toFile());
            }
            // Certificates are verified against the host name (endpoint identification), set per engine with SNI.
            b.endpointIdentificationAlgorithm("HTTPS");
            try {
                ssl = b.build();
            } catch (SSLException e) {
                throw new IOException("tls.ca_file: cannot build a TLS context (" + e.getMessage() + ")", e);
            }
        }
        return new UpstreamTarget(uri, ssl);
    }

    public URI uri() {
        return uri;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The upstream's base path without a trailing slash ("" for none); prefixed to every request path. */
    public String basePath() {
        return basePath;
    }

    /** The upstream's scheme, authority and base path, as its own answers name its URLs: {@code https://api.anthropic.com}. */
    public String base() {
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getRawAuthority() + basePath;
    }

    public String hostHeader() {
        return hostHeader;
    }

    public @Nullable SslContext sslContext() {
        return sslContext;
    }

    @Override
    public String toString() {
        return uri.toString();
    }
}

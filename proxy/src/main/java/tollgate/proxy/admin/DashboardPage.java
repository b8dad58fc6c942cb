package tollgate.proxy.admin;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import tollgate.proxy.server.ErrorResponses;

/**
 * The dashboard (SPEC 10): one page and its assets, read from the jar once at start and answered from memory, so
 * serving them never touches a file on an event loop. Chart.js comes from its WebJar on the classpath; the page
 * loads nothing from any other host, and its Content-Security-Policy says so to the browser.
 *
 * <p>The page itself needs no token (a browser navigates to it); it asks for the admin token and sends it to the
 * admin API as a bearer token.
 */
public final class DashboardPage {
    /** Only tollgate itself: no CDN, no inline script or style, no framing (OWASP secure headers). */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    private static final String OWN = "tollgate/dashboard/";
    private static final String CHART_JS_POM = "META-INF/maven/org.webjars.npm/chart.js/pom.properties";

    private record Asset(String contentType, String cacheControl, byte[] body) {
    }

    private final Map<String, Asset> assets;

    private DashboardPage(Map<String, Asset> assets) {
        this.assets = assets;
    }

    /** Reads the page and its assets; fails when one is missing from the jar (a packaging bug, not a user error). */
    public static DashboardPage load() {
        ClassLoader cl = DashboardPage.class.getClassLoader();
        String chart = "META-INF/resources/webjars/chart.js/" + chartJsVersion(cl) + "/dist/chart.umd.js";
        Asset page = new Asset("text/html; charset=utf-8", "no-store", read(cl, OWN + "index.html"));
        return new DashboardPage(Map.of(
                "/dashboard", page,
                "/dashboard/", page,
                "/dashboard/assets/dashboard.js", asset("text/javascript; charset=utf-8", read(cl, OWN + "dashboard.js")),
                "/dashboard/assets/format.js", asset("text/javascript; charset=utf-8", read(cl, OWN + "format.js")),
                "/dashboard/assets/render.js", asset("text/javascript; charset=utf-8", read(cl, OWN + "render.js")),
                "/dashboard/assets/dashboard.css", asset("text/css; charset=utf-8", read(cl, OWN + "dashboard.css")),
                "/dashboard/assets/favicon.svg", asset("image/svg+xml", read(cl, OWN + "favicon.svg")),
                "/dashboard/assets/chart.umd.js", asset("text/javascript; charset=utf-8", read(cl, chart))));
    }

    private static Asset asset(String contentType, byte[] body) {
        // revalidated on every load: a new tollgate version never runs with an old script
        return new Asset(contentType, "no-cache", body);
    }

    /** The answer for a {@code /dashboard…} path: the page, an asset, or 404. */
    public FullHttpResponse answer(ByteBufAllocator alloc, String path) {
        Asset a = assets.get(path);
        if (a == null) {
            return ErrorResponses.of(alloc, HttpResponseStatus.NOT_FOUND, "invalid_request_error", "not_found",
                    "no such tollgate route: " + path);
        }
        // the bytes are never written to, so every answer can wrap the one shared array
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(a.body()));
        HttpHeaders h = res.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, a.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length)
                .set(HttpHeaderNames.CACHE_CONTROL, a.cacheControl())
                .set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY)
                .set("X-Content-Type-Options", "nosniff")
                .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY")
                .set("Referrer-Policy", "no-referrer")
                .set("Cross-Origin-Opener-Policy", "same-origin")
                .set("Cross-Origin-Resource-Policy", "same-origin");
        return res;
    }

    private static String chartJsVersion(ClassLoader cl) {
        Properties p = new Properties();
        try (InputStream in = cl.getResourceAsStream(CHART_JS_POM)) {
            if (in == null) {
                throw new IllegalStateException("dashboard: " + CHART_JS_POM + " is not on the classpath (expected: the chart.js WebJar)");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "");
    }

    private static byte[] read(ClassLoader cl, String name) {
        try (InputStream in = cl.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard: " + name + " is not on the classpath (expected: inside the jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

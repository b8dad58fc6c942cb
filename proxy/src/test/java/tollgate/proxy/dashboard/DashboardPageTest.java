package tollgate.proxy.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tollgate.proxy.TestTollgate;
import tollgate.proxy.budget.BudgetEnforcementTest;

/** {@code /dashboard} over HTTP: served from the jar without a token, with security headers and exact content types. */
class DashboardPageTest {
    static final String ADMIN = "dashboard-admin-token-for-tests";
    // the upstream is never called here
    static final String NO_UPSTREAM = "http://127.0.0.1:9/";

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newHttpClient();

    TestTollgate start(boolean withToken) throws Exception {
        Map<String, String> env = new HashMap<>(BudgetEnforcementTest.ENV);
        if (withToken) {
            env.put("TOLLGATE_ADMIN_TOKEN", ADMIN);
        }
        return TestTollgate.start(NO_UPSTREAM, dir, BudgetEnforcementTest.config("reserve", "5"), env);
    }

    HttpResponse<String> get(TestTollgate tg, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(tg.base() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pageAndAssetsComeFromTollgateWithTheirTypesAndSecurityHeaders() throws Exception {
        try (TestTollgate tg = start(true)) {
            HttpResponse<String> page = get(tg, "/dashboard");
            assertThat(page.statusCode()).as("a browser navigates here without a bearer token").isEqualTo(200);
            assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
            assertThat(page.headers().firstValue("content-security-policy")).get().asString()
                    .contains("default-src 'self'").contains("script-src 'self'").contains("connect-src 'self'")
                    .contains("frame-ancestors 'none'").doesNotContain("unsafe-inline").doesNotContain("http");
            assertThat(page.headers().firstValue("x-content-type-options")).hasValue("nosniff");
            assertThat(page.headers().firstValue("cache-control")).hasValue("no-store");
            // every asset the page names is tollgate's own path
            assertThat(page.body()).contains("src=\"/dashboard/assets/chart.umd.js\"")
                    .doesNotContainPattern("(src|href)=\"(https?:)?//").doesNotContain("<script>").doesNotContain("style=");

            Map<String, String> types = Map.of(
                    "/dashboard/assets/chart.umd.js", "text/javascript; charset=utf-8",
                    "/dashboard/assets/dashboard.js", "text/javascript; charset=utf-8",
                    "/dashboard/assets/format.js", "text/javascript; charset=utf-8",
                    "/dashboard/assets/render.js", "text/javascript; charset=utf-8",
                    "/dashboard/assets/dashboard.css", "text/css; charset=utf-8",
                    "/dashboard/assets/favicon.svg", "image/svg+xml");
            for (Map.Entry<String, String> t : types.entrySet()) {
                HttpResponse<String> r = get(tg, t.getKey());
                assertThat(r.statusCode()).as(t.getKey()).isEqualTo(200);
                assertThat(r.headers().firstValue("content-type")).as(t.getKey()).hasValue(t.getValue());
                assertThat(r.headers().firstValue("x-content-type-options")).as(t.getKey()).hasValue("nosniff");
                if (!t.getKey().endsWith("chart.umd.js")) {
                    // an XML namespace is a name, not a request
                    assertThat(r.body().replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).as(t.getKey() + " names no other host")
                            .doesNotContain("http://").doesNotContain("https://");
                }
            }
            assertThat(get(tg, "/dashboard/assets/chart.umd.js").body()).startsWith("/*!\n * Chart.js v4.");

            HttpResponse<String> missing = get(tg, "/dashboard/assets/nope.js");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("\"code\":\"not_found\"");
            // the data behind the page still needs the token
            assertThat(get(tg, "/admin/usage").statusCode()).isEqualTo(401);
        }
    }

    @Test
    void withoutAnAdminTokenConfiguredTheDashboardIs404() throws Exception {
        try (TestTollgate tg = start(false)) {
            assertThat(get(tg, "/dashboard").statusCode()).isEqualTo(404);
            assertThat(get(tg, "/dashboard/assets/chart.umd.js").statusCode()).isEqualTo(404);
        }
    }
}

package tollgate.config;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One upstream of SPEC 13's {@code routes}: the calls it takes (by the body's {@code model}, matched against globs,
 * or by a path prefix, which is removed before forwarding), where they go, the provider name records carry, and the
 * credential and headers it adds. Only the name of the key's environment variable is held, never the key.
 *
 * @param models globs such as {@code claude-*} ({@code *} any characters, {@code ?} one); empty for a path route
 * @param pathPrefix {@code /azure}: a request path starting with it (then {@code /} or its end); null for a model route
 * @param keyEnv the environment variable whose key replaces the caller's, as a virtual key does (null: the caller's)
 * @param headers sent to this upstream on every call (an API version, an organisation), replacing the caller's
 * @param trustProviderCost a cost the provider reports in its usage ({@code usage.cost}, as OpenRouter does) is the
 *     call's cost, instead of tollgate's price of its tokens
 */
public record RouteConfig(List<String> models, @Nullable String pathPrefix, URI upstream, String provider,
                          @Nullable String keyEnv, Map<String, String> headers, boolean trustProviderCost) {
    private static final Pattern PROVIDER = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,31}");
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}");
    static final int MAX_HEADERS = 16;

    public RouteConfig {
        models = List.copyOf(models);
        headers = Map.copyOf(headers);
        if (models.isEmpty() == (pathPrefix == null)) {
            throw new IllegalArgumentException("models, path_prefix: " + (models.isEmpty() ? "neither" : "both")
                    + " given (expected: one of them)");
        }
        for (String m : models) {
            if (m.isBlank() || m.length() > 128) {
                throw new IllegalArgumentException("models: '" + m + "' (expected: a model name or glob of 1-128 characters)");
            }
        }
        if (pathPrefix != null && (!PREFIX.matcher(pathPrefix).matches() || pathPrefix.startsWith("/v1/")
                || pathPrefix.equals("/v1"))) {
            throw new IllegalArgumentException("path_prefix: '" + pathPrefix
                    + "' (expected: a path such as /azure, not /v1, that requests start with)");
        }
        if (!PROVIDER.matcher(provider).matches()) {
            throw new IllegalArgumentException("provider: '" + provider + "' (expected: 1-32 of a-z 0-9 _ . -, such as anthropic)");
        }
        if (headers.size() > MAX_HEADERS) {
            throw new IllegalArgumentException("headers: " + headers.size() + " (expected: at most " + MAX_HEADERS + ")");
        }
        for (Map.Entry<String, String> h : headers.entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HEADER.matcher(name).matches() || name.equals("host") || name.equals("content-length")
                    || name.equals("authorization") || name.equals("x-api-key") || name.equals("api-key")) {
                // a name that is not a header name may be a credential pasted whole ("x-key sk-…"): not shown
                throw new IllegalArgumentException("headers: " + (HEADER.matcher(name).matches() ? "'" + h.getKey() + "'"
                        : "a name that is not an HTTP header name (not shown)")
                        + " (expected: a header name other than Host, Content-Length or a credential; use key_env)");
            }
            if (h.getValue().length() > 1024 || h.getValue().chars().anyMatch(c -> c < 0x20 && c != '\t')) {
                throw new IllegalArgumentException("headers." + h.getKey() + ": (expected: a value of at most 1024 printable characters)");
            }
        }
    }

    public RouteConfig(List<String> models, @Nullable String pathPrefix, URI upstream, String provider,
                       @Nullable String keyEnv, Map<String, String> headers) {
        this(models, pathPrefix, upstream, provider, keyEnv, headers, false);
    }

    /** True when the model matches one of this route's globs. */
    public boolean matchesModel(String model) {
        for (String glob : models) {
            if (glob(glob, model)) {
                return true;
            }
        }
        return false;
    }

    /** True when the path (query removed or not) starts with this route's prefix, followed by {@code /}, {@code ?} or its end. */
    public boolean matchesPath(String pathAndQuery) {
        String p = pathPrefix;
        if (p == null || !pathAndQuery.startsWith(p)) {
            return false;
        }
        int n = p.length();
        return pathAndQuery.length() == n || pathAndQuery.charAt(n) == '/' || pathAndQuery.charAt(n) == '?';
    }

    /** {@code *} and {@code ?} globs, matched in O(glob × model) by the one-backtrack-point walk (no recursion). */
    static boolean glob(String g, String s) {
        int gi = 0;
        int si = 0;
        int star = -1;
        int mark = 0;
        while (si < s.length()) {
            if (gi < g.length() && (g.charAt(gi) == '?' || g.charAt(gi) == s.charAt(si))) {
                gi++;
                si++;
            } else if (gi < g.length() && g.charAt(gi) == '*') {
                star = gi++;
                mark = si;
            } else if (star >= 0) {
                gi = star + 1;
                si = ++mark;
            } else {
                return false;
            }
        }
        while (gi < g.length() && g.charAt(gi) == '*') {
            gi++;
        }
        return gi == g.length();
    }
}

package tollgate.proxy.server;

import java.util.Locale;
import org.jspecify.annotations.Nullable;
import tollgate.metering.usage.Endpoint;

/**
 * The request target (RFC 9112 section 3.2) in its one canonical spelling, so that no other spelling of a metered
 * path reaches the upstream unmetered: {@code //v1/chat/completions}, {@code /v1/./chat/completions},
 * {@code /v1/x/../chat/completions}, {@code /v1/chat/%63ompletions} and {@code /V1/chat/completions} all become
 * {@code /v1/chat/completions}, which is what routing, metering and the upstream see.
 * <ul>
 *   <li>origin form, or absolute form reduced to its path and query; anything else is refused;</li>
 *   <li>percent-encoded unreserved characters decoded (RFC 3986 2.3), other escapes kept with upper-case hex;</li>
 *   <li>an encoded {@code /}, {@code \} or NUL, a raw {@code \} or control character, or a broken escape is refused
 *       (servers disagree on what they mean);</li>
 *   <li>empty segments collapsed, {@code .} and {@code ..} resolved (RFC 3986 5.2.4; {@code ..} stops at the root);</li>
 *   <li>a path that names a metered endpoint in other letter case takes the endpoint's spelling;</li>
 *   <li>the query is kept as sent.</li>
 * </ul>
 */
final class RequestTarget {
    private RequestTarget() {}

    /** The canonical path and query, or why the target is refused. */
    sealed interface Result permits Canonical, Refused {}

    record Canonical(String pathAndQuery) implements Result {}

    record Refused(String reason) implements Result {}

    static Result canonical(String uri) {
        String target;
        if (uri.startsWith("/")) {
            target = uri;
        } else {
            int scheme = uri.indexOf("://");
            if (scheme <= 0) {
                return new Refused("request target must be a path, e.g. /v1/chat/completions");
            }
            int slash = uri.indexOf('/', scheme + 3);
            int query = uri.indexOf('?', scheme + 3);
            if (slash < 0 || (query >= 0 && query < slash)) {
                target = "/" + (query < 0 ? "" : uri.substring(query));
            } else {
                target = uri.substring(slash);
            }
        }
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        if (isPlain(rawPath)) {
            // the common case (every SDK): nothing to decode, collapse or resolve; no allocation
            return new Canonical(target);
        }
        String decoded = decodeUnreserved(rawPath);
        if (decoded == null) {
            return new Refused("request path has an encoded '/', '\\' or NUL, a control character or a broken %-escape");
        }
        String path = resolve(decoded);
        String lower = path.toLowerCase(Locale.ROOT);
        if (!lower.equals(path)) {
            Endpoint e = Endpoint.ofPath(lower);
            if (e != null) {
                path = e.path() + (lower.endsWith("/") ? "/" : "");
            }
        }
        return new Canonical(q < 0 ? path : path + target.substring(q));
    }

    /** Lower-case letters, digits and {@code /-_.~} with no empty, {@code .} or {@code ..} segment. */
    private static boolean isPlain(String path) {
        char prev = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '~'
                    || (c == '/' && prev != '/') || (c == '.' && prev != '/' && prev != '.');
            if (!ok) {
                return false;
            }
            prev = c;
        }
        return true;
    }

    private static @Nullable String decodeUnreserved(String path) {
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                return null;
            }
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 2 >= path.length()) {
                return null;
            }
            int hi = Character.digit(path.charAt(i + 1), 16);
            int lo = Character.digit(path.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            int b = hi << 4 | lo;
            if (b == '/' || b == '\\' || b == 0) {
                return null;
            }
            if (unreserved(b)) {
                out.append((char) b);
            } else {
                out.append('%').append(Character.toUpperCase(path.charAt(i + 1))).append(Character.toUpperCase(path.charAt(i + 2)));
            }
            i += 2;
        }
        return out.toString();
    }

    private static boolean unreserved(int b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
    }

    /** Empty segments dropped, dot segments resolved; a trailing slash kept. */
    private static String resolve(String path) {
        String[] parts = path.split("/", -1);
        String[] stack = new String[parts.length];
        int n = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (n > 0) {
                    n--;
                }
                continue;
            }
            stack[n++] = p;
        }
        StringBuilder out = new StringBuilder(path.length());
        for (int i = 0; i < n; i++) {
            out.append('/').append(stack[i]);
        }
        String last = parts[parts.length - 1];
        boolean trailing = path.length() > 1 && (last.isEmpty() || last.equals(".") || last.equals(".."));
        if (out.length() == 0 || trailing) {
            out.append('/');
        }
        return out.toString();
    }

    static String path(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    static String query(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? "" : pathAndQuery.substring(q + 1);
    }
}

package tollgate.proxy.server;

import org.jspecify.annotations.Nullable;

/** The parts of a request target (RFC 9112 section 3.2) that routing needs. */
final class RequestTarget {
    private RequestTarget() {}

    /** The path and query of a target in origin form or absolute form; null for anything else. */
    static @Nullable String pathAndQuery(String uri) {
        if (uri.startsWith("/")) {
            return uri;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            int slash = uri.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : uri.substring(slash);
        }
        return null;
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

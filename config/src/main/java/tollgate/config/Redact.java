package tollgate.config;

import java.net.URI;

/**
 * What a message or log line may show of a URL, which can carry a credential in its user info
 * ({@code redis://:password@host}) or its query ({@code ?key=…}): scheme, host, port and path, with the rest
 * shown as {@code ***}. The one place config errors, check-config, reload answers and logs take a URL's text from.
 */
public final class Redact {
    private static final int MAX = 256;

    private Redact() {
    }

    /**
     * {@code https://***@host:8443/v1?***} for {@code https://user:pass@host:8443/v1?key=…#x}. User info is
     * everything between {@code //} and the last {@code @}, since a password written raw may hold {@code /} or
     * {@code @}; the query is everything from the first {@code ?}, {@code #} or blank. When an {@code @} comes after
     * that point, which of them the password holds cannot be told: then nothing after the scheme is shown.
     */
    public static String url(String value) {
        String v = value.strip();
        int slashes = v.indexOf("//");
        String head = slashes < 0 ? "" : v.substring(0, slashes + 2);
        String rest = slashes < 0 ? v : v.substring(slashes + 2);
        int at = rest.lastIndexOf('@');
        int cut = queryStart(rest);
        if (at >= 0 && cut >= 0 && cut < at) {
            return head + "***";
        }
        String shown = at < 0 ? rest : "***@" + rest.substring(at + 1);
        int q = queryStart(shown);
        if (q >= 0) {
            shown = shown.substring(0, q) + (Character.isWhitespace(shown.charAt(q)) ? ' ' : shown.charAt(q)) + "***";
        }
        String out = head + shown;
        return out.length() > MAX ? out.substring(0, MAX) + "…" : out;
    }

    public static String url(URI value) {
        return url(value.toString());
    }

    /** The first {@code ?}, {@code #}, blank or control character: what follows is not scheme, host or path. */
    private static int queryStart(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '?' || c == '#' || Character.isWhitespace(c) || c < 0x20) {
                return i;
            }
        }
        return -1;
    }
}

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
     * everything between {@code //} and the last {@code @} (a password may itself hold {@code /} or {@code @}),
     * so an {@code @} further on hides more than needed, never less; so does a blank, after which anything may follow.
     */
    public static String url(String value) {
        String v = value.strip();
        int slashes = v.indexOf("//");
        String head = slashes < 0 ? "" : v.substring(0, slashes + 2);
        String rest = slashes < 0 ? v : v.substring(slashes + 2);
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            rest = "***@" + rest.substring(at + 1);
        }
        int cut = firstOf(rest, "?#"); // or the first blank: what follows is not part of a URL

        if (cut >= 0) {
            rest = rest.substring(0, cut) + rest.charAt(cut) + "***";
        }
        String out = head + rest;
        return out.length() > MAX ? out.substring(0, MAX) + "…" : out;
    }

    public static String url(URI value) {
        return url(value.toString());
    }

    private static int firstOf(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0 || Character.isWhitespace(s.charAt(i)) || s.charAt(i) < 0x20) {
                return i;
            }
        }
        return -1;
    }
}

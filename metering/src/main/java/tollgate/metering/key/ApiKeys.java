package tollgate.metering.key;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/** Finds the caller's API key in request headers: {@code Authorization: Bearer …}, else {@code api-key}, else {@code x-api-key} (SPEC 3). */
public final class ApiKeys {
    private static final String BEARER = "Bearer";

    private ApiKeys() {
    }

    /**
     * The raw key, or null when the request carries none.
     *
     * @param header a header's value by name; names must match case-insensitively (as Netty's {@code HttpHeaders} do)
     */
    public static @Nullable String fromHeaders(Function<String, @Nullable String> header) {
        String bearer = bearerToken(header.apply("Authorization"));
        if (bearer != null) {
            return bearer;
        }
        // Azure OpenAI's header; an Authorization of another scheme (Basic ...) falls through to it
        String azure = nonBlank(header.apply("api-key"));
        if (azure != null) {
            return azure;
        }
        return nonBlank(header.apply("x-api-key"));
    }

    /** The token of a {@code Bearer} credential, or null for another scheme or an empty token. */
    public static @Nullable String bearerToken(@Nullable String authorization) {
        if (authorization == null) {
            return null;
        }
        String v = authorization.strip();
        // RFC 9110 11.1: the auth scheme is case-insensitive, followed by at least one space
        if (v.length() <= BEARER.length() || !v.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || v.charAt(BEARER.length()) != ' ') {
            return null;
        }
        return nonBlank(v.substring(BEARER.length()));
    }

    private static @Nullable String nonBlank(@Nullable String value) {
        if (value == null) {
            return null;
        }
        String v = value.strip();
        return v.isEmpty() ? null : v;
    }
}

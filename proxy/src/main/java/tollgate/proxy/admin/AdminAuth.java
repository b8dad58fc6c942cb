package tollgate.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/** Checks {@code Authorization: Bearer $TOLLGATE_ADMIN_TOKEN} in constant time (no timing oracle on the token). */
final class AdminAuth {
    private final byte @Nullable [] token;

    AdminAuth(@Nullable String token) {
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    boolean enabled() {
        return token != null;
    }

    boolean allows(@Nullable String authorization) {
        byte[] t = token;
        if (t == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(t, given);
    }
}

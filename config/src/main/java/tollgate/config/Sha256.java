package tollgate.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a key's UTF-8 bytes in 64 lower-case hex characters: what {@code key_sha256} holds, what
 * {@code key_env} is hashed to at load, and what a call's key is looked up by (SPEC 3).
 */
public final class Sha256 {
    private static final HexFormat HEX = HexFormat.of();
    // MessageDigest is not thread-safe; one per thread is cheaper than getInstance per call (a call's key is hashed)
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);

    private Sha256() {
    }

    public static String hex(String raw) {
        MessageDigest md = DIGEST.get();
        md.reset();
        return HEX.formatHex(md.digest(raw.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide SHA-256 (MessageDigest javadoc)
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}

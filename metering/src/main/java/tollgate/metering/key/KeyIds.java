package tollgate.metering.key;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The ids keys are logged under when config gives them no name: {@code fp-} + 12 hex of the key's SHA-256 (SPEC 3). */
public final class KeyIds {
    public static final String FINGERPRINT_PREFIX = "fp-";
    private static final int FINGERPRINT_HEX = 12;
    private static final HexFormat HEX = HexFormat.of();
    // MessageDigest is not thread-safe; one per event loop thread is cheaper than getInstance per call
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(KeyIds::newSha256);

    private KeyIds() {
    }

    /** {@code fp-} followed by the first 12 hex characters of the key's SHA-256. */
    public static String fingerprint(String rawKey) {
        return fingerprintOfSha256(sha256Hex(rawKey));
    }

    /** The SHA-256 of the key's UTF-8 bytes, 64 lower-case hex characters: what config's {@code key_sha256} holds. */
    public static String sha256Hex(String rawKey) {
        MessageDigest md = SHA256.get();
        md.reset();
        return HEX.formatHex(md.digest(rawKey.getBytes(StandardCharsets.UTF_8)));
    }

    static String fingerprintOfSha256(String sha256Hex) {
        return FINGERPRINT_PREFIX + sha256Hex.substring(0, FINGERPRINT_HEX);
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // every Java platform must provide SHA-256 (MessageDigest javadoc)
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}

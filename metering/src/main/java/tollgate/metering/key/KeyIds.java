package tollgate.metering.key;

import tollgate.config.Sha256;

/** The ids keys are logged under when config gives them no name: {@code fp-} + 12 hex of the key's SHA-256 (SPEC 3). */
public final class KeyIds {
    public static final String FINGERPRINT_PREFIX = "fp-";
    private static final int FINGERPRINT_HEX = 12;

    private KeyIds() {
    }

    /** {@code fp-} followed by the first 12 hex characters of the key's SHA-256. */
    public static String fingerprint(String rawKey) {
        return fingerprintOfSha256(Sha256.hex(rawKey));
    }

    static String fingerprintOfSha256(String sha256Hex) {
        return FINGERPRINT_PREFIX + sha256Hex.substring(0, FINGERPRINT_HEX);
    }
}

package tollgate.config;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A known API key. Only the SHA-256 of the key is held: a raw key never lives in config objects.
 *
 * @param budgets null when the key uses {@code budgets.default}
 * @param upstreamKeyEnv the environment variable whose value replaces the caller's credential (virtual key)
 */
public record KeyConfig(
        String name,
        String keySha256,
        @Nullable String upstreamKeyEnv,
        @Nullable List<BudgetLimit> budgets,
        List<BigDecimal> alerts) {

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");
    public static final List<BigDecimal> DEFAULT_ALERTS = List.of(new BigDecimal("0.8"), new BigDecimal("0.95"));

    /** The id of calls that send no key: not a configured key's name. */
    public static final String ANONYMOUS = "anonymous";
    /** What reports and metric labels call the keys past their bounds: not a configured key's name either. */
    public static final String OTHER = "other";

    public KeyConfig {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: 1-64 of A-Z a-z 0-9 . _ : -, starting with a letter or digit)");
        }
        keySha256 = keySha256.toLowerCase(Locale.ROOT);
        if (!SHA256_HEX.matcher(keySha256).matches()) {
            throw new IllegalArgumentException("key_sha256: (expected: 64 hex characters)");
        }
        if (name.startsWith("fp-")) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: a name not starting with 'fp-', which is kept for fingerprints)");
        }
        if (name.equals(ANONYMOUS)) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: another name; it is the id of calls without a key)");
        }
        if (name.equals(OTHER)) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: another name; reports and metrics give"
                    + " it to the keys past their bounds, whose usage that key would see as its own)");
        }
        if (budgets != null) {
            budgets = List.copyOf(budgets);
        }
        alerts = List.copyOf(alerts);
        for (BigDecimal a : alerts) {
            if (a.signum() <= 0 || a.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("alerts: " + a.toPlainString() + " (expected: fractions in (0, 1])");
            }
        }
    }

    @Override
    public String toString() {
        return "KeyConfig[name=" + name + "]";
    }
}

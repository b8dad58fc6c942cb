package tollgate.bench.report;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** One of the targets for tollgate, judged on a table row's values (direct, nginx, tollgate). */
interface Target {
    String describe();

    /** "ok", "MISS" or "–" when a value is missing; with the number compared. */
    String verdict(@Nullable Double[] values);

    static Target atLeastTimesNginx(double factor) {
        return new Target() {
            @Override
            public String describe() {
                return String.format(Locale.ROOT, "≥ %.1f× nginx", factor);
            }

            @Override
            public String verdict(@Nullable Double[] v) {
                if (v[1] == null || v[2] == null || v[1] == 0) {
                    return "–";
                }
                double r = v[2] / v[1];
                return describe() + ": " + (r >= factor ? "ok" : "MISS") + String.format(Locale.ROOT, " (%.2f×)", r);
            }
        };
    }

    static Target addedAtMostMillis(double millis) {
        return new Target() {
            @Override
            public String describe() {
                return String.format(Locale.ROOT, "added ≤ %.1f ms over direct", millis);
            }

            @Override
            public String verdict(@Nullable Double[] v) {
                if (v[0] == null || v[2] == null) {
                    return "–";
                }
                double added = v[2] - v[0];
                return describe() + ": " + (added <= millis ? "ok" : "MISS") + String.format(Locale.ROOT, " (%+.3f)", added);
            }
        };
    }

    /** Tollgate's value at most {@code factor} times nginx's (lower is better: CPU, latency). */
    static Target atMostTimesNginx(double factor, String description) {
        return new Target() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public String verdict(@Nullable Double[] v) {
                if (v[1] == null || v[2] == null || v[1] == 0) {
                    return "–";
                }
                double r = v[2] / v[1];
                return describe() + ": " + (r <= factor ? "ok" : "MISS") + String.format(Locale.ROOT, " (%.2f×)", r);
            }
        };
    }

    static Target atMost(double limit, String description) {
        return ofTollgate(description, v -> v <= limit);
    }

    /** Tollgate's value is exactly {@code expected} (a count such as errors, or a share such as 100 % metered). */
    static Target exactly(double expected, String description) {
        return ofTollgate(description, v -> v == expected);
    }

    /** A target on tollgate's value alone: "ok" when {@code ok} holds for it. */
    private static Target ofTollgate(String description, java.util.function.DoublePredicate ok) {
        return new Target() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public String verdict(@Nullable Double[] v) {
                if (v[2] == null) {
                    return "–";
                }
                return describe() + ": " + (ok.test(v[2]) ? "ok" : "MISS");
            }
        };
    }
}

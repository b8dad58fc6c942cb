package tollgate.bench.jmh;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tollgate.config.KeyConfig;
import tollgate.config.Sha256;
import tollgate.metering.key.KeyIdentity;
import tollgate.metering.key.KeyIds;
import tollgate.metering.key.KeyRegistry;

/** Key identification per call: the SHA-256 fingerprint of a raw key, and the registry look-up built on it. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class KeyIdsBenchmark {
    /** A project key is 164 characters (sk-proj-...), longer than the 51 of a legacy key. */
    private static final String KEY = "sk-proj-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789".repeat(4) + "Tq7x";

    private KeyRegistry registry;

    @Setup
    public void setUp() {
        List<KeyConfig> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            keys.add(new KeyConfig("team-" + i, Sha256.hex(KEY + i), null, null, KeyConfig.DEFAULT_ALERTS));
        }
        keys.add(new KeyConfig("storybot", Sha256.hex(KEY), null, null, KeyConfig.DEFAULT_ALERTS));
        registry = new KeyRegistry(keys, Map.of());
    }

    @Benchmark
    public String fingerprint() {
        return KeyIds.fingerprint(KEY);
    }

    @Benchmark
    public KeyIdentity identifyKnownKey() {
        return registry.identify(KEY);
    }
}

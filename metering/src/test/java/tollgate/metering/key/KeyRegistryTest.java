package tollgate.metering.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tollgate.config.KeyConfig;
import tollgate.config.Sha256;

class KeyRegistryTest {
    private static final String STORYBOT_RAW = "sk-test-storybot";
    // printf 'sk-test-storybot' | sha256sum
    private static final String STORYBOT_SHA = "551fc4eb1ff0b41f0492da6cb429b7628fb4fe1b34d04a9ce5996bb9ed7e2b46";
    private static final String REAL_UPSTREAM_KEY = "sk-proj-real-provider-key";

    private final KeyConfig storybot = new KeyConfig("storybot", STORYBOT_SHA, "OPENAI_REAL_KEY", null, KeyConfig.DEFAULT_ALERTS);
    private final KeyConfig plain = new KeyConfig("plain", Sha256.hex("sk-plain"), null, null, KeyConfig.DEFAULT_ALERTS);
    private final KeyRegistry registry = new KeyRegistry(List.of(storybot, plain), Map.of("OPENAI_REAL_KEY", REAL_UPSTREAM_KEY));

    @Test
    void fingerprintIsFpAndTwelveHexOfSha256() {
        // FIPS 180-2 test vector: SHA-256("abc") = ba7816bf8f01cfea...
        assertThat(KeyIds.fingerprint("abc")).isEqualTo("fp-ba7816bf8f01");
        assertThat(KeyIds.fingerprint(STORYBOT_RAW)).isEqualTo("fp-551fc4eb1ff0");
        assertThat(Sha256.hex(STORYBOT_RAW)).isEqualTo(STORYBOT_SHA);
    }

    @Test
    void fingerprintIsThePrefixOfTheHashConfigHolds() {
        String projectKey = "sk-proj-" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789".repeat(4) + "Tq7x";
        assertThat(KeyIds.fingerprint(projectKey)).isEqualTo("fp-" + Sha256.hex(projectKey).substring(0, 12));
        assertThat(registry.identify(projectKey).id()).isEqualTo(KeyIds.fingerprint(projectKey));
    }

    @Test
    void configuredKeyIsIdentifiedByItsName() {
        KeyIdentity id = registry.identify(STORYBOT_RAW);
        assertThat(id.id()).isEqualTo("storybot");
        assertThat(id.known()).isTrue();
        assertThat(id.config()).isSameAs(storybot);
    }

    @Test
    void unconfiguredKeyIsIdentifiedByItsFingerprint() {
        KeyIdentity id = registry.identify("abc");
        assertThat(id).isEqualTo(new KeyIdentity("fp-ba7816bf8f01", null, false));
        assertThat(id.anonymous()).isFalse();
    }

    @Test
    void callWithoutKeyIsAnonymous() {
        assertThat(registry.identify(null)).isEqualTo(KeyIdentity.ANONYMOUS);
        assertThat(registry.identify("  ")).isEqualTo(KeyIdentity.ANONYMOUS);
        assertThat(KeyIdentity.ANONYMOUS.id()).isEqualTo("anonymous");
        assertThat(KeyIdentity.ANONYMOUS.anonymous()).isTrue();
    }

    @Test
    void virtualKeyIsReplacedByTheEnvironmentsUpstreamKey() {
        assertThat(registry.upstreamKey(registry.identify(STORYBOT_RAW))).isEqualTo(REAL_UPSTREAM_KEY);
        assertThat(registry.upstreamKey(registry.identify("sk-plain"))).isNull();
        assertThat(registry.upstreamKey(registry.identify("sk-unknown"))).isNull();
        assertThat(registry.missingUpstreamKeys()).isEmpty();
    }

    @Test
    void virtualKeyWithoutItsVariableIsReported() {
        KeyRegistry noEnv = new KeyRegistry(List.of(storybot), Map.of());
        assertThat(noEnv.missingUpstreamKeys()).containsExactly("storybot");
        assertThat(noEnv.upstreamKey(noEnv.identify(STORYBOT_RAW))).isNull();
    }

    @Test
    void keyNamedAnonymousIsRejected() {
        // the id of calls without a key: refused where a key's config is made, so check-config says it too
        assertThatThrownBy(() -> new KeyConfig("anonymous", STORYBOT_SHA, null, null, KeyConfig.DEFAULT_ALERTS))
                .hasMessage("name: 'anonymous' (expected: another name; it is the id of calls without a key)");
    }

    @Test
    void rawAndUpstreamKeysNeverAppearInStringsOrMessages() {
        KeyConfig twin = new KeyConfig("twin", STORYBOT_SHA, null, null, KeyConfig.DEFAULT_ALERTS);
        Throwable duplicate = catchThrowable(
                () -> new KeyRegistry(List.of(storybot, twin), Map.of("OPENAI_REAL_KEY", REAL_UPSTREAM_KEY)));

        List<String> strings = List.of(registry.toString(), registry.identify(STORYBOT_RAW).toString(),
                registry.identify("sk-unknown").toString(), duplicate.getMessage());

        assertThat(strings).allSatisfy(s -> assertThat(s)
                .doesNotContain(STORYBOT_RAW, "sk-unknown", REAL_UPSTREAM_KEY, STORYBOT_SHA));
        assertThat(registry.identify(STORYBOT_RAW).toString()).contains("storybot");
    }
}

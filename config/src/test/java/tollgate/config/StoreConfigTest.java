package tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreConfigTest {
    private static final String SECRET = "hunter2-db";

    @TempDir
    Path dir;

    private TollgateConfig load(String yaml, Map<String, String> env) throws Exception {
        Path f = dir.resolve("tollgate.yaml");
        Files.writeString(f, yaml);
        return new ConfigLoader(env).load(f, CliOverrides.NONE);
    }

    @Test
    void readsTheUrlWithThePasswordFromTheEnvironment() throws Exception {
        StoreConfig s = load("log: {store: 'postgres://tg@db.internal/usage?sslmode=require'}\n",
                Map.of(StoreConfig.ENV_PASSWORD, SECRET)).log().store();
        assertThat(s.user()).isEqualTo("tg");
        assertThat(s.host()).isEqualTo("db.internal");
        assertThat(s.port()).isEqualTo(5432);
        assertThat(s.database()).isEqualTo("usage");
        assertThat(s.params()).containsExactly(Map.entry("sslmode", "require"));
        assertThat(s.password()).isEqualTo(SECRET);
        assertThat(s.optional()).isFalse();
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/usage");
        assertThat(s.display()).isEqualTo("postgres://tg@db.internal:5432/usage");
        assertThat(s.toString()).doesNotContain(SECRET);
    }

    @Test
    void anEnvReferenceInTheUrlNamesThePasswordAndWinsOverTheDefaultVariable() throws Exception {
        TollgateConfig c = load("log:\n  store: 'postgresql://tg:${DB_PASS}@127.0.0.1:6543/tollgate'\n  store_optional: true\n",
                Map.of("DB_PASS", SECRET, StoreConfig.ENV_PASSWORD, "other"));
        StoreConfig s = c.log().store();
        assertThat(s.password()).isEqualTo(SECRET);
        assertThat(s.port()).isEqualTo(6543);
        assertThat(s.optional()).isTrue();
        assertThat(c.toString()).doesNotContain(SECRET);
        assertThat(load("log: {dir: x}\n", Map.of()).log().store()).isNull();
    }

    @Test
    void aBadUrlIsRefusedWithWhatIsExpectedAndNeverThePassword() {
        assertRefused("'mysql://tg@h/db'", "log.store: scheme 'mysql' (expected: postgres:// or postgresql://");
        assertRefused("'postgres://h/db'", "log.store: no user (expected: postgres://USER@HOST[:PORT]/DATABASE");
        assertRefused("'postgres://tg@h'", "log.store: no database name (expected:");
        assertRefused("'postgres://tg@h:99999/db'", "log.store: port '99999' (expected: 1 to 65535)");
        assertRefused("'postgres://tg@h/db?sslmode=always'", "log.store: sslmode 'always' (expected: disable, allow, prefer, require, verify-ca or verify-full)");
        assertRefused("'postgres://tg:${NOPE}@h/db'", "log.store: environment variable NOPE is not set (expected: the database password in it)");
        assertRefused("'postgres://tg:" + SECRET + "@h/db'", "log.store: a password written in the URL (expected: USER:${ENV_VAR}");
        assertRefused("'postgres://tg@h/db?password=" + SECRET + "'", "log.store: query parameter 'password' (expected:");
        assertRefused("'not a url :" + SECRET + "@'", "log.store: not a URL (expected:");
        assertRefused("[1]", "log.store: ");
    }

    @Test
    void storeOptionalWithoutAStoreIsRefused() {
        assertThatThrownBy(() -> load("log: {store_optional: true}\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("log.store_optional: given without log.store");
    }

    private void assertRefused(String value, String message) {
        assertThatThrownBy(() -> load("log: {store: " + value + "}\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
    }
}

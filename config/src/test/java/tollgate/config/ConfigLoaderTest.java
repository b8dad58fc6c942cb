package tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    Path file(String yaml) throws Exception {
        Path f = dir.resolve("tollgate.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void defaultsMatchTheSpec() throws Exception {
        TollgateConfig c = new ConfigLoader(Map.of()).load(null, CliOverrides.NONE);
        assertThat(c.listen()).hasToString("127.0.0.1:8080");
        assertThat(c.upstream()).hasToString("https://api.openai.com");
        assertThat(c.log().dir()).isEqualTo(Path.of("./logs"));
        assertThat(c.timeouts().firstByte()).isEqualTo(Duration.ofSeconds(600));
        assertThat(c.timeouts().idle()).isEqualTo(Duration.ofSeconds(300));
        assertThat(c.limits().maxRequestBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(c.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.injectStreamUsage()).isTrue();
        assertThat(c.budgets().mode()).isEqualTo(BudgetMode.RESERVE);
        assertThat(c.adminEnabled()).isFalse();
    }

    @Test
    void hardeningSettingsHaveDefaultsAndAreValidated() throws Exception {
        TollgateConfig d = new ConfigLoader(Map.of()).load(null, CliOverrides.NONE);
        assertThat(d.timeouts().headers()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.limits().maxUsageTokens()).isEqualTo(1_000_000_000L);
        assertThat(d.budgets().unpriced()).isEqualTo(UnpricedPolicy.DENY);
        TollgateConfig c = new ConfigLoader(Map.of()).load(file(
                "timeouts: {headers: 5s}\nlimits: {max_usage_tokens: 1000}\nbudgets: {unpriced: {price_as: gpt-4o-mini}}\n"),
                CliOverrides.NONE);
        assertThat(c.timeouts().headers()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.limits().maxUsageTokens()).isEqualTo(1000);
        assertThat(c.budgets().unpriced()).isEqualTo(UnpricedPolicy.priceAs("gpt-4o-mini"));
        assertThat(new ConfigLoader(Map.of()).load(file("budgets: {unpriced: allow}\n"), CliOverrides.NONE).budgets().unpriced())
                .isEqualTo(UnpricedPolicy.ALLOW);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(
                        file("budgets: {unpriced: maybe}\ntimeouts: {headers: 0s}\n"), CliOverrides.NONE))
                .hasMessageContaining("budgets.unpriced: 'maybe' (expected: deny, allow or {price_as: MODEL})")
                .hasMessageContaining("timeouts.headers");
    }

    @Test
    void theInProcessBudgetStoresBoundIsASetting() throws Exception {
        assertThat(new ConfigLoader(Map.of()).load(null, CliOverrides.NONE).server().budgetAccounts()).isEqualTo(100_000);
        assertThat(new ConfigLoader(Map.of()).load(file("server: {budget_accounts: 500}\n"), CliOverrides.NONE)
                .server().budgetAccounts()).isEqualTo(500);
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("server: {budget_accounts: 0}\n"),
                CliOverrides.NONE)).hasMessageContaining("server.budget_accounts: 0 (expected: >= 1)");
    }

    @Test
    void budgetsOfEveryScopeParseAsSpec11ShowsThem() throws Exception {
        TollgateConfig c = new ConfigLoader(Map.of()).load(file("""
                budgets:
                  global:
                    - {window: daily, usd: 10}
                  users:
                    default: [{window: monthly, usd: 50}]
                    overrides: {"123": [{window: monthly, usd: 200}]}
                  tags:
                    team: {default: [{window: monthly, usd: 500}], overrides: {search: [{window: monthly, usd: 2000}]}}
                  models:
                    gpt-4o: [{window: daily, usd: 100}]
                """), CliOverrides.NONE);
        BudgetsConfig b = c.budgets();
        assertThat(b.global()).containsExactly(new BudgetLimit(BudgetWindow.DAILY, new BigDecimal("10"), null));
        assertThat(b.users().of("7")).containsExactly(new BudgetLimit(BudgetWindow.MONTHLY, new BigDecimal("50"), null));
        assertThat(b.users().of("123")).containsExactly(new BudgetLimit(BudgetWindow.MONTHLY, new BigDecimal("200"), null));
        assertThat(b.tags().get("team").of("search"))
                .containsExactly(new BudgetLimit(BudgetWindow.MONTHLY, new BigDecimal("2000"), null));
        assertThat(b.models().get("gpt-4o")).containsExactly(new BudgetLimit(BudgetWindow.DAILY, new BigDecimal("100"), null));
    }

    @Test
    void scopeErrorsNameTheSettingAndWhatIsExpected() throws Exception {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("""
                budgets:
                  teams: {}
                  global: [{window: daily, usd: -1}]
                  users: {default: [{window: fortnightly, usd: 1}], extra: 1}
                  tags: {Team: {default: [{window: monthly, usd: 5}]}}
                """), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).contains(
                        "budgets.teams: unknown key",
                        "budgets.users.extra: unknown key")
                        .anyMatch(m -> m.startsWith("budgets.global[0]") && m.contains("usd: -1 (expected: >= 0)"))
                        .anyMatch(m -> m.startsWith("budgets.users.default[0].window"))
                        .anyMatch(m -> m.startsWith("budgets.tags.Team: tag name 'Team' (expected: a lower-case")));
    }

    @Test
    void rateLimitsParseAsSpec11ShowsThem() throws Exception {
        TollgateConfig c = new ConfigLoader(Map.of()).load(file("""
                keys:
                  - {name: storybot, key_sha256: "%s"}
                rate_limits:
                  default: {requests_per_minute: 600, tokens_per_minute: 200000}
                  keys: {storybot: {requests_per_minute: 30}}
                  users: {default: {requests_per_minute: 60}, overrides: {"123": {tokens_per_minute: 5000}}}
                  global: {requests_per_minute: 10000}
                """.formatted("a".repeat(64))), CliOverrides.NONE);
        RateLimitsConfig r = c.rateLimits();
        assertThat(r.ofKey("fp-0123")).isEqualTo(new RateLimit(600L, 200_000L));
        assertThat(r.ofKey("storybot")).isEqualTo(new RateLimit(30L, null));
        assertThat(r.ofUser("7")).isEqualTo(new RateLimit(60L, null));
        assertThat(r.ofUser("123")).isEqualTo(new RateLimit(null, 5_000L));
        assertThat(r.ofUser("")).isNull();
        assertThat(r.global()).isEqualTo(new RateLimit(10_000L, null));
        assertThat(new ConfigLoader(Map.of()).load(file("listen: 127.0.0.1:0\n"), CliOverrides.NONE).rateLimits().isEmpty())
                .isTrue();
    }

    @Test
    void rateLimitErrorsNameTheSettingAndWhatIsExpected() throws Exception {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("""
                rate_limits:
                  default: {requests_per_minute: 0}
                  users: {default: {}, everyone: {requests_per_minute: 1}}
                  global: {requests_per_second: 5}
                  tiers: {}
                """), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).contains(
                        "rate_limits.default: requests_per_minute: 0 (expected: 1 to 60000000)",
                        "rate_limits.users.default: (expected: requests_per_minute, tokens_per_minute or both)",
                        "rate_limits.users.everyone: unknown key",
                        "rate_limits.global.requests_per_second: unknown key",
                        "rate_limits.tiers: unknown key"));
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file(
                "rate_limits:\n  keys: {nobody: {requests_per_minute: 5}}\n"), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "rate_limits.keys: 'nobody' is not a configured key (expected: a name from keys)"));
    }

    @Test
    void flagBeatsEnvBeatsFileBeatsDefault() throws Exception {
        Path f = file("listen: 127.0.0.1:7001\nupstream: http://file.example\nlog: {dir: /file/logs}\n");
        Map<String, String> env = Map.of("TOLLGATE_LISTEN", "127.0.0.1:7002", "TOLLGATE_UPSTREAM", "http://env.example/v1/");
        TollgateConfig c = new ConfigLoader(env).load(f, new CliOverrides("127.0.0.1:7003", null, null));
        assertThat(c.listen().port()).isEqualTo(7003);
        assertThat(c.upstream()).hasToString("http://env.example/v1");
        assertThat(c.log().dir()).isEqualTo(Path.of("/file/logs"));
    }

    @Test
    void configFileComesFromTheEnvironmentWhenNoFlag() throws Exception {
        Path f = file("listen: 127.0.0.1:7009\n");
        TollgateConfig c = new ConfigLoader(Map.of("TOLLGATE_CONFIG", f.toString())).load(null, CliOverrides.NONE);
        assertThat(c.listen().port()).isEqualTo(7009);
        assertThat(c.source()).isEqualTo(f);
    }

    @Test
    void everyErrorIsCollectedWithItsPath() throws Exception {
        Path f = file("""
                listen: nowhere
                timeouts: {first_byte: -5s, idel: 3s}
                log: {fsync: sometimes}
                budgets:
                  mode: later
                  default:
                    - {window: fortnightly, usd: 5}
                keys:
                  - {name: a, key_sha256: "xyz"}
                """);
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .anySatisfy(m -> assertThat(m).startsWith("listen: 'nowhere'").contains("expected"))
                        .anySatisfy(m -> assertThat(m).isEqualTo("timeouts.idel: unknown key"))
                        .anySatisfy(m -> assertThat(m).startsWith("log.fsync: 'sometimes'").contains("batch, always or never"))
                        .anySatisfy(m -> assertThat(m).startsWith("budgets.mode: 'later'"))
                        .anySatisfy(m -> assertThat(m).startsWith("budgets.default[0].window: 'fortnightly'"))
                        .anySatisfy(m -> assertThat(m).contains("key_sha256").contains("64 hex")));
    }

    /**
     * Secrets written in a config file (an OTLP header, a password in a URL, a token in a catalog URL's query)
     * never appear in the errors check-config prints, reload answers and the watcher logs.
     */
    @Test
    void configErrorsNeverQuoteASecret() throws Exception {
        String secret = "sk-proj-SECRETs3cr3t";
        for (String yaml : new String[] {
                // a YAML syntax error on the line that holds the secret
                "otel:\n  headers:\n    Authorization: Bearer " + secret + "\n  endpoint: [\n",
                "otel: {headers: {Authorization: \"Bearer " + secret + "\"}\n",
                "upstream: \"https://api.example.com\" " + secret + "\n",
                // values refused by a setting
                "upstream: https://user:" + secret + "@api.example.com\n",
                "upstream: https://user:pa/ss" + secret + "@api.example.com\n",
                "upstream: https://api.example.com/v1?key=" + secret + "\n",
                "upstream: \"https://api.example.com/v1 key=" + secret + "\"\n",
                "budgets: {store: \"redis://:a/b@" + secret + "@\"}\n",
                "budgets: {store: \"redis://default:" + secret + "@redis:6379 x\"}\n",
                "pricing: {sync: {url: \"ftp://u:" + secret + "@prices.example.com/x\", format: litellm}}\n",
                "pricing: {sync: {url: \"https://prices.example.com/x y?token=" + secret + "\", format: litellm}}\n",
                "otel: {endpoint: \"http://collector:4318?token=" + secret + "\"}\n",
                "otel: {headers: \"Authorization=Bearer " + secret + "\"}\n",
                // the environment variable's form pasted into YAML: a header name that is not one
                "otel: {endpoint: http://collector:4318, headers: {Authorization=Bearer " + secret + "}}\n",
                "routes:\n  - {models: [\"claude-*\"], upstream: https://api.anthropic.com, provider: anthropic, headers: {\"x-key " + secret + "\": v}}\n",
                // a single value where a section is expected
                "budgets: \"redis://:" + secret + "@redis:6379\"\n",
                "otel: \"http://collector:4318?token=" + secret + "\"\n",
                "pricing: {sync: \"https://prices.example.com/x?token=" + secret + "\"}\n",
                // a tag handle named by the parser
                "otel:\n  headers:\n    Authorization: !" + secret + "!x y\n",
                // a database URL's query
                "log: {store: \"postgres://app@db/usage?sslmode=require?password=" + secret + "\"}\n",
                "log: {store: \"postgres://app@db/usage?" + secret + "\"}\n",
                "routes:\n  - {models: [\"claude-*\"], upstream: https://api.anthropic.com, provider: anthropic, headers: \"x-key " + secret + "\"}\n",
        }) {
            Path f = file(yaml);
            assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, CliOverrides.NONE))
                    .as(yaml)
                    .isInstanceOfSatisfying(ConfigException.class, e -> {
                        assertThat(e.errors()).as(yaml).isNotEmpty().noneSatisfy(m -> assertThat(m).contains("SECRET"));
                        assertThat(e.getMessage()).as(yaml).doesNotContain("SECRET");
                    });
        }
        // and the environment's variants
        for (Map<String, String> env : java.util.List.of(
                Map.of("TOLLGATE_UPSTREAM", "https://u:" + secret + "@api.example.com"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/?token=" + secret))) {
            assertThatThrownBy(() -> new ConfigLoader(env).load(null, CliOverrides.NONE))
                    .isInstanceOfSatisfying(ConfigException.class, e ->
                            assertThat(e.errors()).as(env.toString()).isNotEmpty().noneSatisfy(m -> assertThat(m).contains("SECRET")));
        }
    }

    @Test
    void aUrlInAMessageShowsItsHostAndPathOnly() {
        assertThat(Redact.url("https://user:pa/ss@w@api.example.com:8443/v1/x?key=abc#frag"))
                .isEqualTo("https://***@api.example.com:8443/v1/x?***");
        assertThat(Redact.url("redis://redis:6379")).isEqualTo("redis://redis:6379");
        assertThat(Redact.url("https://api.example.com/v1")).isEqualTo("https://api.example.com/v1");
        assertThat(Redact.url("nowhere")).isEqualTo("nowhere");
        // an @ in the query: the token after it is still hidden
        assertThat(Redact.url("https://prices.example.com/x?notify=ops@corp.com&token=SECRET")).isEqualTo("https://***");
        // a ? in the password: none of it shows
        assertThat(Redact.url("redis://:pa?ss@redis:6379")).isEqualTo("redis://***");
        assertThat(Redact.url("https://prices.example.com/x?token=SECRET")).isEqualTo("https://prices.example.com/x?***");
    }

    @Test
    void keyEnvIsHashedAndTheRawKeyIsNotKept() throws Exception {
        Path f = file("""
                keys_required: true
                keys:
                  - name: storybot
                    key_env: STORYBOT_KEY
                    upstream_key_env: REAL_KEY
                    budgets:
                      - {window: daily, usd: 5}
                      - {window: monthly, usd: 50, tokens: 20000000}
                    alerts: [0.5]
                """);
        TollgateConfig c = new ConfigLoader(Map.of("STORYBOT_KEY", "tg-raw-secret", "REAL_KEY", "upstream-secret")).load(f, CliOverrides.NONE);
        KeyConfig k = c.keys().get(0);
        assertThat(k.keySha256()).isEqualTo(Sha256.hex("tg-raw-secret"));
        assertThat(k.budgets()).containsExactly(new BudgetLimit(BudgetWindow.DAILY, new BigDecimal("5"), null),
                new BudgetLimit(BudgetWindow.MONTHLY, new BigDecimal("50"), 20_000_000L));
        assertThat(k.alerts()).containsExactly(new BigDecimal("0.5"));
        assertThat(c.keysRequired()).isTrue();
        assertThat(c.toString() + k).doesNotContain("tg-raw-secret").doesNotContain("upstream-secret");
    }

    @Test
    void aKeyNamedAnonymousOrTheSameKeyTwiceIsAnErrorWithItsPath() throws Exception {
        String sha = "a".repeat(64);
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file(
                "keys:\n  - {name: anonymous, key_sha256: " + sha + "}\n"), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "keys[0].name: 'anonymous' (expected: another name; it is the id of calls without a key)"));
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file(
                "keys:\n  - {name: other, key_sha256: " + sha + "}\n"), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).singleElement().asString()
                        .startsWith("keys[0].name: 'other' (expected: another name;"));
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("keys:\n  - {name: a, key_sha256: " + sha
                + "}\n  - {name: b, key_sha256: " + sha.toUpperCase(java.util.Locale.ROOT) + "}\n"), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "keys[1].key_sha256: the same key as key 'a' (expected: each key once)"));
    }

    @Test
    void missingKeyEnvIsAnErrorThatDoesNotPrintValues() throws Exception {
        Path f = file("keys:\n  - {name: a, key_env: NOPE}\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(f, CliOverrides.NONE))
                .hasMessageContaining("keys[0].key_env").hasMessageContaining("NOPE is not set");
    }

    @Test
    void keysFromEnvironmentVariablesLoseSurroundingWhiteSpaceAndMustBeOneLine() throws Exception {
        // a Kubernetes secret made from a file keeps the file's last newline
        Path f = file("keys:\n  - {name: a, key_env: CALLER, upstream_key_env: REAL}\n");
        TollgateConfig c = new ConfigLoader(Map.of("CALLER", "tg-raw-secret\n", "REAL", "sk-real\n")).load(f,
                CliOverrides.NONE);
        assertThat(c.keys().get(0).keySha256()).isEqualTo(Sha256.hex("tg-raw-secret"));
        assertThat(EnvSecrets.read(Map.of("REAL", " sk-real\r\n"), "REAL")).isEqualTo("sk-real");

        Path inner = file("keys:\n  - {name: a, key_sha256: " + "a".repeat(64) + ", upstream_key_env: REAL}\n"
                + "routes:\n  - {models: [\"claude-*\"], upstream: \"https://api.anthropic.com\", provider: anthropic,"
                + " key_env: ROUTE}\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of("REAL", "sk-real\nsecond-line", "ROUTE", "sk-ant\u0000x"))
                .load(inner, CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors())
                        .anySatisfy(m -> assertThat(m).startsWith("keys[0].upstream_key_env: environment variable REAL"
                                + " holds a control character"))
                        .anySatisfy(m -> assertThat(m).startsWith("routes[0].key_env: environment variable ROUTE"
                                + " holds a control character"))
                        .allSatisfy(m -> assertThat(m).doesNotContain("sk-real").doesNotContain("sk-ant")));
    }

    @Test
    void redisStoreAndZoneParse() throws Exception {
        Path f = file("budgets: {store: 'redis://cache:6379', timezone: Europe/Berlin, on_store_failure: deny, mode: after}\n");
        TollgateConfig c = new ConfigLoader(Map.of()).load(f, CliOverrides.NONE);
        assertThat(c.budgets().redisUri()).hasToString("redis://cache:6379");
        assertThat(c.budgets().timezone().getId()).isEqualTo("Europe/Berlin");
        assertThat(c.budgets().onStoreFailure()).isEqualTo(StoreFailurePolicy.DENY);
        assertThat(c.budgets().mode()).isEqualTo(BudgetMode.AFTER);
    }

    @Test
    void alertWarningsNeedTheWebhookTheyAreSentTo() throws Exception {
        assertThat(new ConfigLoader(Map.of()).load(null, CliOverrides.NONE).alertWarnings()).isFalse();
        TollgateConfig c = new ConfigLoader(Map.of()).load(
                file("alerts: {webhook_url: 'https://hooks.example/t', warnings: true}\n"), CliOverrides.NONE);
        assertThat(c.alertWarnings()).isTrue();
        assertThat(c.alertWebhookUrl()).hasToString("https://hooks.example/t");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("alerts: {warnings: true}\n"), CliOverrides.NONE))
                .hasMessageContaining("alerts.warnings: true (expected: with alerts.webhook_url");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(
                file("alerts: {webhook_url: 'https://hooks.example/t', warnings: often}\n"), CliOverrides.NONE))
                .hasMessageContaining("alerts.warnings");
    }

    @Test
    void durationsAcceptUnits() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("30")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("expected");
    }

    @Test
    void watcherNoticesAnEdit() throws Exception {
        Path f = file("listen: 127.0.0.1:1\n");
        java.util.concurrent.CountDownLatch changed = new java.util.concurrent.CountDownLatch(1);
        try (ConfigWatcher w = new ConfigWatcher(f, Duration.ofMillis(50), changed::countDown)) {
            Thread.sleep(100);
            Files.writeString(f, "listen: 127.0.0.1:22\n# edited\n");
            assertThat(changed.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void retentionIsReadAndValidated() throws Exception {
        LogConfig log = new ConfigLoader(Map.of()).load(file("log: {compress_after_days: 1, retain_days: 90}\n"),
                CliOverrides.NONE).log();
        assertThat(log.compressAfterDays()).isEqualTo(1);
        assertThat(log.retainDays()).isEqualTo(90);
        assertThat(LogConfig.defaults().retains()).isFalse();

        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("log: {compress_after_days: -1}\n"), CliOverrides.NONE))
                .hasMessageContaining("log.compress_after_days: -1 (expected: >= 1, or 0 to keep days uncompressed)");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("log: {compress_after_days: 7, retain_days: 7}\n"),
                CliOverrides.NONE)).hasMessageContaining("log.compress_after_days: 7 (expected: less than log.retain_days 7, or 0)");
    }

    @Test
    void retentionKeepsEveryDayABudgetIsRebuiltFrom() throws Exception {
        String monthly = "budgets:\n  default:\n    - {window: monthly, usd: 50}\n";
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file(monthly + "log: {retain_days: 30}\n"),
                CliOverrides.NONE)).isInstanceOf(ConfigException.class).hasMessageContaining(
                "log.retain_days: 30 (expected: >= 32 while a monthly budget is set: it is rebuilt from the log at start)");
        assertThat(new ConfigLoader(Map.of()).load(file(monthly + "log: {retain_days: 32}\n"), CliOverrides.NONE)
                .log().retainDays()).isEqualTo(32);
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("budgets:\n  default:\n    - {window: total, usd: 5}\n"
                + "log: {retain_days: 400}\n"), CliOverrides.NONE)).hasMessageContaining("0 while a total budget is set");
    }

    @Test
    void otelEndpointFromTheFileOrTheStandardVariables() throws Exception {
        assertThat(new ConfigLoader(Map.of()).load(null, CliOverrides.NONE).otel().enabled()).isFalse();
        OtelConfig f = new ConfigLoader(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318")).load(file("""
                otel:
                  endpoint: http://collector:4318/
                  headers: {authorization: Bearer t0k}
                  service_name: gateway
                  queue_capacity: 100
                """), CliOverrides.NONE).otel();
        assertThat(f.tracesEndpoint()).hasToString("http://collector:4318/v1/traces");
        assertThat(f.metricsEndpoint()).hasToString("http://collector:4318/v1/metrics");
        assertThat(f.headers()).containsExactly(Map.entry("authorization", "Bearer t0k"));
        assertThat(f.serviceName()).isEqualTo("gateway");
        assertThat(f.queueCapacity()).isEqualTo(100);
        assertThat(f.toString()).doesNotContain("t0k");

        OtelConfig e = new ConfigLoader(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://otlp.example.com",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example.com/otlp/v1/traces",
                "OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%3Db,x-team=ml", "OTEL_SERVICE_NAME", "edge"))
                .load(null, CliOverrides.NONE).otel();
        assertThat(e.tracesEndpoint()).hasToString("https://traces.example.com/otlp/v1/traces");
        assertThat(e.metricsEndpoint()).hasToString("https://otlp.example.com/v1/metrics");
        assertThat(e.headers()).containsEntry("api-key", "a=b").containsEntry("x-team", "ml");
        assertThat(e.serviceName()).isEqualTo("edge");
    }

    @Test
    void otelErrorsNameTheSettingAndNeverAHeaderValue() throws Exception {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(file("""
                otel:
                  endpoint: collector:4318
                  queue_capacity: 0
                  sampler: always
                """), CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.errors()).containsExactly(
                        "otel.endpoint: 'collector:4318' (expected: an http:// or https:// URL with a host)",
                        "otel.sampler: unknown key",
                        "otel.queue_capacity: 0 (expected: 1 to 1000000)"));
        assertThatThrownBy(() -> new ConfigLoader(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x",
                "OTEL_EXPORTER_OTLP_HEADERS", "secret-token-no-equals")).load(null, CliOverrides.NONE))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.errors()).containsExactly(
                            "otel.endpoint (OTEL_EXPORTER_OTLP_ENDPOINT): 'ftp://x' (expected: an http:// or https:// URL with a host)",
                            "otel.headers (OTEL_EXPORTER_OTLP_HEADERS): a malformed entry (expected: name=value pairs separated by commas)");
                    assertThat(String.join("\n", e.errors())).doesNotContain("secret-token");
                });
    }
}

package tollgate.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link TollgateConfig} from flags, environment, a YAML/JSON file and defaults, in that
 * order of precedence (SPEC 1). Every problem is collected; the exception lists them all.
 */
public final class ConfigLoader {
    public static final String ENV_CONFIG = "TOLLGATE_CONFIG";
    public static final String ENV_LISTEN = "TOLLGATE_LISTEN";
    public static final String ENV_UPSTREAM = "TOLLGATE_UPSTREAM";
    public static final String ENV_LOG_DIR = "TOLLGATE_LOG_DIR";
    public static final String ENV_ADMIN_TOKEN = "TOLLGATE_ADMIN_TOKEN";

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public Map<String, String> env() {
        return env;
    }

    /** Loads with the file named by the flag, else by {@code TOLLGATE_CONFIG}, else none. */
    public TollgateConfig load(@Nullable Path file, CliOverrides flags) throws ConfigException {
        Path source = file;
        if (source == null && env.get(ENV_CONFIG) != null && !env.get(ENV_CONFIG).isBlank()) {
            source = Path.of(env.get(ENV_CONFIG));
        }
        JsonNode root = null;
        if (source != null) {
            root = readTree(source);
        }
        return build(root, source, flags);
    }

    public static JsonNode readTree(Path source) throws ConfigException {
        try {
            String text = Files.readString(source, StandardCharsets.UTF_8);
            JsonNode root = YAML.readTree(text);
            return root == null ? YAML.createObjectNode() : root;
        } catch (JsonProcessingException e) {
            throw new ConfigException("config file " + source + ": not valid YAML or JSON"
                    + (e.getLocation() != null ? " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() : "") + syntaxProblem(e));
        } catch (IOException e) {
            throw new ConfigException("config file " + source + ": cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }

    /**
     * What the parser found wrong, without the text around it: SnakeYAML's message quotes the offending line,
     * and that line may hold a credential (an OTLP header, a password in a URL). Names of what it found
     * ({@code '\t'}, {@code <block end>}) stay; longer quoted text and alias, anchor and tag names are cut.
     */
    private static String syntaxProblem(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
                String problem = m.getProblem()
                        .replaceAll("'(?!<[a-z ]{1,30}>')[^']{5,}'", "'…'")
                        .replaceAll("\\b(alias|anchor|tag handle|handle|tag) \\S+", "$1 …");
                return ": " + (problem.length() > 120 ? problem.substring(0, 120) + "…" : problem)
                        + " (the line is not shown: it may hold a credential)";
            }
        }
        return " (the line is not shown: it may hold a credential)";
    }

    TollgateConfig build(@Nullable JsonNode root, @Nullable Path source, CliOverrides flags) throws ConfigException {
        List<String> errors = new ArrayList<>();
        ConfigNode top = new ConfigNode(root, "", errors);
        Path baseDir = source == null ? Path.of(".") : source.toAbsolutePath().getParent();

        HostPort listen = layered("listen", flags.listen(), ENV_LISTEN, top, "listen", HostPort::parse, TollgateConfig.DEFAULT_LISTEN, errors);
        URI upstream = layered("upstream", flags.upstream(), ENV_UPSTREAM, top, "upstream", ConfigLoader::parseUpstream, TollgateConfig.DEFAULT_UPSTREAM, errors);

        ConfigNode tls = top.child("tls");
        Path caFile = tls.value("ca_file", s -> resolveExisting(baseDir, s));
        tls.rejectUnknown();

        ConfigNode t = top.child("timeouts");
        Timeouts timeouts = section(errors, "timeouts", () -> new Timeouts(
                t.value("connect", Durations::parse, Timeouts.DEFAULT.connect()),
                t.value("first_byte", Durations::parse, Timeouts.DEFAULT.firstByte()),
                t.value("idle", Durations::parse, Timeouts.DEFAULT.idle()),
                t.value("headers", Durations::parse, Timeouts.DEFAULT.headers())), Timeouts.DEFAULT);
        t.rejectUnknown();

        ConfigNode l = top.child("limits");
        Long maxRequest = l.longValue("max_request_bytes");
        Long maxHeader = l.longValue("max_header_bytes");
        Long maxConns = l.longValue("max_connections_per_loop");
        Long maxPending = l.longValue("max_pending_acquires");
        Long maxHeld = l.longValue("max_held_bytes");
        Long maxUsage = l.longValue("max_usage_tokens");
        Limits limits = section(errors, "limits", () -> new Limits(
                maxRequest == null ? Limits.DEFAULT.maxRequestBytes() : maxRequest,
                maxHeader == null ? Limits.DEFAULT.maxHeaderBytes() : clampInt(maxHeader),
                maxConns == null ? Limits.DEFAULT.maxConnectionsPerLoop() : clampInt(maxConns),
                maxPending == null ? Limits.DEFAULT.maxPendingAcquires() : clampInt(maxPending),
                maxHeld == null ? Limits.DEFAULT.maxHeldBytes() : clampInt(maxHeld),
                maxUsage == null ? Limits.DEFAULT.maxUsageTokens() : maxUsage), Limits.DEFAULT);
        l.rejectUnknown();

        ServerConfig server = server(top.child("server"), errors);

        ConfigNode sd = top.child("shutdown");
        Duration grace = sd.value("grace", Durations::parse, TollgateConfig.DEFAULT_SHUTDOWN_GRACE);
        sd.rejectUnknown();

        Boolean inject = top.bool("inject_stream_usage");

        ConfigNode lg = top.child("log");
        Path logDir = layered("log.dir", flags.logDir(), ENV_LOG_DIR, lg, "dir", Path::of, LogConfig.DEFAULT_DIR, errors);
        FsyncMode fsync = lg.value("fsync", s -> parseEnum(FsyncMode.class, s, "batch, always or never"), FsyncMode.BATCH);
        Long queue = lg.longValue("queue_capacity");
        Long compressAfter = lg.longValue("compress_after_days");
        Long retain = lg.longValue("retain_days");
        StoreConfig logStore = logStore(lg);
        LogConfig log = section(errors, "log", () -> new LogConfig(logDir, fsync,
                queue == null ? LogConfig.defaults().queueCapacity() : clampInt(queue),
                compressAfter == null ? 0 : clampInt(compressAfter), retain == null ? 0 : clampInt(retain), logStore),
                LogConfig.defaults());
        lg.rejectUnknown();

        ConfigNode pr = top.child("pricing");
        Path pricingFile = pr.value("file", s -> resolveExisting(baseDir, s));
        PricingSync sync = pricingSync(pr, errors);
        pr.rejectUnknown();

        ConfigNode m = top.child("metrics");
        Long maxKeys = m.longValue("max_keys");
        Long maxModels = m.longValue("max_models");
        MetricsConfig metrics = section(errors, "metrics", () -> new MetricsConfig(
                maxKeys == null ? MetricsConfig.DEFAULT.maxKeys() : clampInt(maxKeys),
                maxModels == null ? MetricsConfig.DEFAULT.maxModels() : clampInt(maxModels)), MetricsConfig.DEFAULT);
        m.rejectUnknown();

        BudgetsConfig budgets = budgets(top.child("budgets"), errors);
        Boolean keysRequired = top.bool("keys_required");
        List<KeyConfig> keys = keys(top, errors);
        List<RouteConfig> routes = routes(top, errors);
        RateLimitsConfig rateLimits = rateLimits(top.child("rate_limits"));

        ConfigNode al = top.child("alerts");
        URI webhook = al.value("webhook_url", ConfigLoader::parseHttpUri);
        Boolean warnings = al.bool("warnings");
        al.rejectUnknown();

        OtelConfig otel = otel(top.child("otel"), errors);

        top.rejectUnknown();

        String admin = env.get(ENV_ADMIN_TOKEN);
        if (admin != null && admin.isBlank()) {
            admin = null;
        }
        retentionKeepsBudgets(log, budgets, keys, errors);
        if (errors.isEmpty()) {
            try {
                return new TollgateConfig(listen, upstream, caFile, timeouts, limits, server, grace,
                        inject == null || inject, log, pricingFile, metrics, budgets,
                        keysRequired != null && keysRequired, keys, webhook, admin, source, routes, sync,
                        warnings != null && warnings, rateLimits, otel);
            } catch (IllegalArgumentException e) {
                errors.add(e.getMessage());
            }
        }
        throw new ConfigException(errors);
    }

    /**
     * With the in-process budget store, open windows are rebuilt from the usage log at start (SPEC 7): retention
     * must keep every day a window can reach back to, or a restart forgets spend.
     */
    private static void retentionKeepsBudgets(LogConfig log, BudgetsConfig budgets, List<KeyConfig> keys,
                                              List<String> errors) {
        if (log.retainDays() == 0 || budgets.redisUri() != null) {
            return;
        }
        List<BudgetLimit> all = new ArrayList<>(budgets.allLimits());
        keys.forEach(k -> {
            if (k.budgets() != null) {
                all.addAll(k.budgets());
            }
        });
        for (BudgetLimit b : all) {
            // a window in the budget time zone can straddle one more UTC day than it lasts
            int needed = switch (b.window()) {
                case HOURLY, DAILY -> 2;
                case WEEKLY -> 8;
                case MONTHLY -> 32;
                case TOTAL -> Integer.MAX_VALUE;
            };
            if (log.retainDays() < needed) {
                errors.add("log.retain_days: " + log.retainDays() + " (expected: " + (needed == Integer.MAX_VALUE
                        ? "0 while a total budget is set: its spend is rebuilt from every day of the log"
                        : ">= " + needed + " while a " + b.window().id() + " budget is set: it is rebuilt from the log at start")
                        + ")");
                return;
            }
        }
    }

    /**
     * {@code otel} (issue 20): {@code endpoint} (the collector's OTLP/HTTP base URL), {@code headers},
     * {@code service_name}, {@code queue_capacity}. Without {@code otel.endpoint}, the standard
     * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} / {@code _METRICS_ENDPOINT} (full URLs) or
     * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (a base URL), {@code OTEL_EXPORTER_OTLP_HEADERS} and
     * {@code OTEL_SERVICE_NAME} apply.
     */
    private OtelConfig otel(ConfigNode o, List<String> errors) {
        URI base = o.value("endpoint", ConfigLoader::parseUpstream);
        boolean fromFile = o.has("endpoint");
        URI traces = null;
        URI metrics = null;
        if (base != null) {
            traces = URI.create(base + "/v1/traces");
            metrics = URI.create(base + "/v1/metrics");
        } else if (!fromFile) {
            URI envBase = envUri("OTEL_EXPORTER_OTLP_ENDPOINT", ConfigLoader::parseUpstream, errors);
            URI envTraces = envUri("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ConfigLoader::parseOtlpUrl, errors);
            URI envMetrics = envUri("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", ConfigLoader::parseOtlpUrl, errors);
            traces = envTraces != null ? envTraces : envBase == null ? null : URI.create(envBase + "/v1/traces");
            metrics = envMetrics != null ? envMetrics : envBase == null ? null : URI.create(envBase + "/v1/metrics");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        ConfigNode h = o.child("headers");
        for (String name : h.names()) {
            String v = h.string(name);
            if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                // neither in the message nor in its path: "Authorization=Bearer sk-…" pasted as a name is a token
                h.error(null, "a name that is not an HTTP header name (not shown: it may hold a credential; "
                        + "expected: NAME: VALUE)");
            } else if (v != null) {
                headers.put(name, v);
            }
        }
        if (!fromFile) {
            String envHeaders = env.get("OTEL_EXPORTER_OTLP_HEADERS");
            if (envHeaders != null && !envHeaders.isBlank() && headers.isEmpty()) {
                try {
                    headers.putAll(parseOtlpHeaders(envHeaders));
                } catch (IllegalArgumentException e) {
                    // never the value: it holds the collector's credentials
                    errors.add("otel.headers (OTEL_EXPORTER_OTLP_HEADERS): " + e.getMessage());
                }
            }
        }
        String service = o.string("service_name");
        if (service == null) {
            String e = env.get("OTEL_SERVICE_NAME");
            service = e == null || e.isBlank() ? OtelConfig.DEFAULT_SERVICE_NAME : e.trim();
        }
        Long queue = o.longValue("queue_capacity");
        o.rejectUnknown();
        String serviceName = service;
        URI tracesUrl = traces;
        URI metricsUrl = metrics;
        return section(errors, "otel", () -> new OtelConfig(tracesUrl, metricsUrl, headers, serviceName,
                queue == null ? OtelConfig.DEFAULT_QUEUE_CAPACITY : clampInt(queue)), OtelConfig.OFF);
    }

    private @Nullable URI envUri(String name, java.util.function.Function<String, URI> parser, List<String> errors) {
        String e = env.get(name);
        return e == null || e.isBlank() ? null : parseOr("otel.endpoint (" + name + ")", e, parser, null, errors);
    }

    /** A full OTLP/HTTP URL ({@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}): used as given, path included. */
    private static URI parseOtlpUrl(String value) {
        URI base = parseUpstream(value);
        return base.getRawPath().isEmpty() ? URI.create(base + "/") : base;
    }

    /** {@code OTEL_EXPORTER_OTLP_HEADERS}: {@code key1=value1,key2=value2}, values URL-encoded (OTel spec). */
    static Map<String, String> parseOtlpHeaders(String value) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : value.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? "" : pair.substring(0, eq).trim();
            if (eq < 0 || !name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
                // the value may hold a secret: only the shape is named
                throw new IllegalArgumentException("a malformed entry (expected: name=value pairs separated by commas)");
            }
            try {
                out.put(name, java.net.URLDecoder.decode(pair.substring(eq + 1).trim(), java.nio.charset.StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("header " + name + " has a malformed %-escape (expected: URL-encoded values)");
            }
        }
        return out;
    }

    private static ServerConfig server(ConfigNode s, List<String> errors) {
        ServerConfig d = ServerConfig.DEFAULT;
        Long io = s.longValue("io_threads");
        ServerConfig.Transport transport = s.value("transport",
                v -> parseEnum(ServerConfig.Transport.class, v, "auto, epoll or nio"), d.transport());
        Long admin = s.longValue("admin_threads");
        Long accounting = s.longValue("accounting_queue");
        Long offload = s.longValue("offload_threads");
        Long offloadQueue = s.longValue("offload_queue");
        Long budgetAccounts = s.longValue("budget_accounts");
        ServerConfig server = section(errors, "server", () -> new ServerConfig(
                io == null ? d.ioThreads() : clampInt(io),
                transport,
                admin == null ? d.adminThreads() : clampInt(admin),
                accounting == null ? d.accountingQueue() : clampInt(accounting),
                offload == null ? d.offloadThreads() : clampInt(offload),
                offloadQueue == null ? d.offloadQueue() : clampInt(offloadQueue),
                budgetAccounts == null ? d.budgetAccounts() : clampInt(budgetAccounts)), d);
        s.rejectUnknown();
        return server;
    }

    private BudgetsConfig budgets(ConfigNode b, List<String> errors) {
        BudgetMode mode = b.value("mode", s -> parseEnum(BudgetMode.class, s, "reserve or after"), BudgetMode.RESERVE);
        ZoneId zone = b.value("timezone", ConfigLoader::parseZone, BudgetsConfig.DEFAULT.timezone());
        URI redis = b.value("store", ConfigLoader::parseStore);
        StoreFailurePolicy policy = b.value("on_store_failure", s -> parseEnum(StoreFailurePolicy.class, s, "allow or deny"), StoreFailurePolicy.ALLOW);
        List<BudgetLimit> defaults = limits(b, "default");
        UnpricedPolicy unpriced = unpriced(b);
        List<BudgetLimit> global = limits(b, "global");
        ScopeBudgets users = scopeBudgets(b.child("users"));
        Map<String, ScopeBudgets> tags = new LinkedHashMap<>();
        ConfigNode t = b.child("tags");
        for (String name : t.names()) {
            if (!name.equals(name.toLowerCase(Locale.ROOT)) || name.isBlank()) {
                t.error(name, "tag name '" + name + "' (expected: a lower-case tag name, as X-Tollgate-Tag-<name> is recorded)");
            }
            tags.put(name.toLowerCase(Locale.ROOT), scopeBudgets(t.child(name)));
        }
        ConfigNode m = b.child("models");
        Map<String, List<BudgetLimit>> models = new LinkedHashMap<>();
        for (String name : m.names()) {
            List<BudgetLimit> limits = limits(m, name);
            models.put(name, limits == null ? List.of() : limits);
        }
        b.rejectUnknown();
        return new BudgetsConfig(mode, zone, redis, policy, defaults == null ? List.of() : defaults, unpriced,
                global == null ? List.of() : global, users, tags, models);
    }

    /** {@code rate_limits} (SPEC 11): {@code default}, {@code keys}, {@code users} ({@code default}, {@code overrides}), {@code global}. */
    private static RateLimitsConfig rateLimits(ConfigNode r) {
        RateLimit keyDefault = rateLimit(r, "default");
        Map<String, RateLimit> keys = rateLimitsByName(r.child("keys"), "a configured key name");
        ConfigNode u = r.child("users");
        RateLimit userDefault = rateLimit(u, "default");
        Map<String, RateLimit> users = rateLimitsByName(u.child("overrides"), "a user id");
        u.rejectUnknown();
        RateLimit global = rateLimit(r, "global");
        r.rejectUnknown();
        return new RateLimitsConfig(keyDefault, keys, userDefault, users, global);
    }

    private static Map<String, RateLimit> rateLimitsByName(ConfigNode n, String expected) {
        Map<String, RateLimit> out = new LinkedHashMap<>();
        for (String name : n.names()) {
            if (name.isEmpty()) {
                n.error(name, "an empty name (expected: " + expected + ")");
                continue;
            }
            RateLimit limit = rateLimit(n, name);
            if (limit != null) {
                out.put(name, limit);
            }
        }
        n.rejectUnknown();
        return out;
    }

    /** {@code {requests_per_minute: N, tokens_per_minute: N}}, or null when absent or wrong (the error is noted). */
    private static @Nullable RateLimit rateLimit(ConfigNode parent, String key) {
        if (!parent.has(key)) {
            return null;
        }
        ConfigNode n = parent.child(key);
        Long requests = n.longValue("requests_per_minute");
        Long tokens = n.longValue("tokens_per_minute");
        n.rejectUnknown();
        try {
            return new RateLimit(requests, tokens);
        } catch (IllegalArgumentException e) {
            parent.error(key, e.getMessage());
            return null;
        }
    }

    /** {@code budgets.users} or one tag of {@code budgets.tags}: {@code default} and {@code overrides}. */
    private static ScopeBudgets scopeBudgets(ConfigNode s) {
        List<BudgetLimit> defaults = limits(s, "default");
        ConfigNode o = s.child("overrides");
        Map<String, List<BudgetLimit>> overrides = new LinkedHashMap<>();
        for (String name : o.names()) {
            if (name.isEmpty()) {
                o.error(name, "an empty name (expected: a user id or tag value)");
                continue;
            }
            List<BudgetLimit> limits = limits(o, name);
            overrides.put(name, limits == null ? List.of() : limits);
        }
        s.rejectUnknown();
        return new ScopeBudgets(defaults == null ? List.of() : defaults, overrides);
    }

    /** {@code pricing.sync: {url, format, every}}, or null when absent. */
    private static @Nullable PricingSync pricingSync(ConfigNode pr, List<String> errors) {
        if (pr.raw("sync") == null) {
            return null;
        }
        ConfigNode sy = pr.child("sync");
        String url = sy.string("url");
        String format = sy.string("format");
        Duration every = sy.value("every", Durations::parse, PricingSync.DEFAULT_EVERY);
        sy.rejectUnknown();
        if (url == null || format == null) {
            errors.add("pricing.sync: url and format are required (format: litellm or genai-prices)");
            return null;
        }
        try {
            return new PricingSync(new URI(url), format, every);
        } catch (URISyntaxException e) {
            errors.add("pricing.sync.url: '" + Redact.url(url) + "' (expected: an http or https URL)");
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
        }
        return null;
    }

    /** {@code budgets.unpriced}: {@code deny} (default), {@code allow}, or {@code {price_as: MODEL}}. */
    private static UnpricedPolicy unpriced(ConfigNode b) {
        JsonNode raw = b.raw("unpriced");
        if (raw == null) {
            return UnpricedPolicy.DENY;
        }
        if (raw.isObject()) {
            ConfigNode u = b.child("unpriced");
            String model = u.string("price_as");
            u.rejectUnknown();
            if (model == null || model.isBlank()) {
                b.error("unpriced", "a mapping needs price_as: MODEL");
                return UnpricedPolicy.DENY;
            }
            return UnpricedPolicy.priceAs(model);
        }
        String s = b.string("unpriced");
        if ("deny".equals(s)) {
            return UnpricedPolicy.DENY;
        }
        if ("allow".equals(s)) {
            return UnpricedPolicy.ALLOW;
        }
        b.error("unpriced", "'" + s + "' (expected: deny, allow or {price_as: MODEL})");
        return UnpricedPolicy.DENY;
    }

    /** SPEC 13's {@code routes}: each names its upstream and provider, and models or a path prefix. */
    private List<RouteConfig> routes(ConfigNode top, List<String> errors) {
        List<RouteConfig> out = new ArrayList<>();
        for (ConfigNode r : top.list("routes")) {
            List<String> models = new ArrayList<>();
            List<JsonNode> rawModels = r.scalars("models");
            if (rawModels != null) {
                rawModels.forEach(m -> models.add(m.asText()));
            }
            String prefix = r.string("path_prefix");
            URI upstream = r.value("upstream", ConfigLoader::parseUpstream);
            String provider = r.string("provider");
            String keyEnv = r.string("key_env");
            Boolean trustCost = r.bool("trust_provider_cost");
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            JsonNode rawHeaders = r.raw("headers");
            if (rawHeaders != null && !rawHeaders.isNull()) {
                if (!rawHeaders.isObject()) {
                    r.error("headers", "(expected: a mapping of header name to value)");
                } else {
                    rawHeaders.fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
                }
            }
            r.rejectUnknown();
            if (upstream == null) {
                r.error("upstream", "missing (expected: the base URL this route's calls go to)");
                continue;
            }
            if (provider == null) {
                r.error("provider", "missing (expected: the name records carry, such as anthropic)");
                continue;
            }
            String keyProblem = keyEnv == null ? null : EnvSecrets.problem(env, keyEnv, "this route's upstream key in it");
            if (keyProblem != null) {
                r.error("key_env", keyProblem);
                continue;
            }
            try {
                out.add(new RouteConfig(models, prefix, upstream, provider, keyEnv, headers,
                        trustCost != null && trustCost));
            } catch (IllegalArgumentException e) {
                errors.add(r.path(null) + "." + e.getMessage());
            }
        }
        return out;
    }

    private List<KeyConfig> keys(ConfigNode top, List<String> errors) {
        List<KeyConfig> out = new ArrayList<>();
        Map<String, String> bySha = new HashMap<>();
        for (ConfigNode k : top.list("keys")) {
            String name = k.string("name");
            String sha = k.string("key_sha256");
            String keyEnv = k.string("key_env");
            String upstreamEnv = k.string("upstream_key_env");
            List<BudgetLimit> budgets = limits(k, "budgets");
            List<BigDecimal> alerts = new ArrayList<>();
            List<JsonNode> rawAlerts = k.scalars("alerts");
            if (rawAlerts != null) {
                for (JsonNode a : rawAlerts) {
                    try {
                        alerts.add(new BigDecimal(a.asText()));
                    } catch (NumberFormatException e) {
                        k.error("alerts", "'" + a.asText() + "' (expected: fractions such as 0.8)");
                    }
                }
            }
            k.rejectUnknown();
            if (name == null) {
                k.error("name", "missing (expected: the id this key is logged under)");
                continue;
            }
            if (sha == null && keyEnv == null) {
                k.error("key_sha256", "missing (expected: key_sha256 or key_env)");
                continue;
            }
            if (sha != null && keyEnv != null) {
                k.error("key_env", "given together with key_sha256 (expected: one of them)");
                continue;
            }
            if (keyEnv != null) {
                String problem = EnvSecrets.problem(env, keyEnv, "the key's value in it");
                if (problem != null) {
                    k.error("key_env", problem);
                    continue;
                }
                sha = Sha256.hex(EnvSecrets.read(env, keyEnv));
            }
            String upstreamProblem = upstreamEnv == null ? null
                    : EnvSecrets.problem(env, upstreamEnv, "the upstream key in it");
            if (upstreamProblem != null) {
                k.error("upstream_key_env", upstreamProblem);
                continue;
            }
            try {
                KeyConfig key = new KeyConfig(name, sha, upstreamEnv, budgets, rawAlerts == null ? KeyConfig.DEFAULT_ALERTS : alerts);
                String same = bySha.putIfAbsent(key.keySha256(), name);
                if (same != null) {
                    k.error("key_sha256", "the same key as key '" + same + "' (expected: each key once)");
                    continue;
                }
                out.add(key);
            } catch (IllegalArgumentException e) {
                errors.add(k.path(null) + "." + e.getMessage());
            }
        }
        return out;
    }

    private static @Nullable List<BudgetLimit> limits(ConfigNode parent, String key) {
        if (!parent.has(key)) {
            return null;
        }
        List<BudgetLimit> out = new ArrayList<>();
        for (ConfigNode b : parent.list(key)) {
            BudgetWindow window = b.value("window", BudgetWindow::parse);
            BigDecimal usd = b.decimal("usd");
            Long tokens = b.longValue("tokens");
            b.rejectUnknown();
            if (window == null) {
                if (!b.has("window")) {
                    b.error("window", "missing (expected: hourly, daily, weekly, monthly or total)");
                }
                continue;
            }
            try {
                out.add(new BudgetLimit(window, usd, tokens));
            } catch (IllegalArgumentException e) {
                b.error(null, e.getMessage());
            }
        }
        return out;
    }

    private <T> T layered(String setting, @Nullable String flag, String envName, ConfigNode file, String fileKey,
                          java.util.function.Function<String, T> parser, T fallback, List<String> errors) {
        if (flag != null) {
            file.raw(fileKey); // the file's value is overridden, not unknown
            return parseOr(setting + " (--" + setting.replace("log.dir", "log-dir") + ")", flag, parser, fallback, errors);
        }
        String e = env.get(envName);
        if (e != null && !e.isBlank()) {
            file.raw(fileKey); // the file's value is overridden, not unknown
            return parseOr(setting + " (" + envName + ")", e, parser, fallback, errors);
        }
        return file.value(fileKey, parser, fallback);
    }

    private static <T> T parseOr(String name, String value, java.util.function.Function<String, T> parser, T fallback, List<String> errors) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException ex) {
            String msg = ex.getMessage();
            errors.add(name + ": " + (msg != null && msg.startsWith("'") ? msg : "'" + value + "' " + msg));
            return fallback;
        }
    }

    private static <T> T section(List<String> errors, String name, java.util.function.Supplier<T> build, T fallback) {
        try {
            return build.get();
        } catch (IllegalArgumentException e) {
            errors.add(e.getMessage());
            return fallback;
        }
    }

    private static int clampInt(long v) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
    }

    static URI parseUpstream(String value) {
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("'" + Redact.url(value) + "' (expected: an http:// or https:// URL)");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("'" + Redact.url(value) + "' (expected: an http:// or https:// URL with a host)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("'" + Redact.url(value) + "' (expected: a base URL without user info, query or fragment)");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return URI.create(scheme + "://" + uri.getRawAuthority() + path);
    }

    /** {@code log.store} and {@code log.store_optional} (issue 20); null without a store. */
    private @Nullable StoreConfig logStore(ConfigNode lg) {
        Boolean optional = lg.bool("store_optional");
        String url = lg.string("store");
        if (url == null) {
            if (optional != null) {
                lg.error("store_optional", "given without log.store (expected: log.store: postgres://USER@HOST/DATABASE)");
            }
            return null;
        }
        return lg.value("store", s -> StoreConfig.parse(s, env, optional != null && optional));
    }

    private static URI parseHttpUri(String value) {
        return parseUpstream(value.trim().replaceAll("/+$", "") + (value.trim().endsWith("/") ? "/" : ""));
    }

    private static URI parseStore(String value) {
        if (value.equals("local")) {
            return null;
        }
        if (value.startsWith("redis://") || value.startsWith("rediss://")) {
            try {
                URI u = new URI(value);
                if (u.getHost() == null) {
                    throw new URISyntaxException(value, "no host");
                }
                return u;
            } catch (URISyntaxException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("'" + Redact.url(value) + "' (expected: local or redis://host:6379)");
    }

    private static ZoneId parseZone(String value) {
        try {
            return ZoneId.of(value);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + value + "' (expected: a time zone such as UTC or Europe/Berlin)");
        }
    }

    private static Path resolveExisting(Path baseDir, String value) {
        Path p = baseDir.resolve(value).normalize();
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException("'" + value + "' (expected: a readable file; looked at " + p + ")");
        }
        return p;
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String value, String accepted) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + value + "' (expected: " + accepted + ")");
        }
    }
}

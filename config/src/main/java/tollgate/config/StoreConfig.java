package tollgate.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code log.store}: the PostgreSQL database every replica ships its usage records to (issue 20), from
 * {@code postgres://USER[:${ENV}]@HOST[:PORT]/DATABASE[?sslmode=require&…]} ({@code postgresql://} too). The
 * password is never in the config itself: it comes from the environment variable the URL names
 * ({@code user:${DB_PASS}@…}), else from {@code TOLLGATE_DB_PASSWORD}, else none (trust or {@code .pgpass}).
 * The query's parameters go to the JDBC driver as they are ({@code sslmode} turns TLS on).
 *
 * @param params the URL's query parameters, for the driver
 * @param password the resolved password; a secret: never in {@link #toString()}, {@link #display()} or a message
 * @param optional {@code log.store_optional}: start without the database (spool and retry) rather than refuse
 */
public record StoreConfig(String user, String host, int port, String database, Map<String, String> params,
                          @Nullable String password, boolean optional) {
    public static final String ENV_PASSWORD = "TOLLGATE_DB_PASSWORD";
    public static final int DEFAULT_PORT = 5432;
    private static final String SHAPE = "postgres://USER@HOST[:PORT]/DATABASE, the password in TOLLGATE_DB_PASSWORD "
            + "or as USER:${ENV_VAR}";
    private static final Pattern URL = Pattern.compile(
            "(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:(?<userinfo>[^@/?#]*)@)?(?<host>\\[[^]/]*]|[^:/?#]*)"
                    + "(?::(?<port>[^/?#]*))?(?<path>/[^?#]*)?(?:\\?(?<query>[^#]*))?(?<fragment>#.*)?");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca",
            "verify-full");

    public StoreConfig {
        params = Map.copyOf(params);
    }

    /**
     * Reads {@code log.store}; an IllegalArgumentException's message says what is wrong and what is expected,
     * and never holds a password.
     */
    public static StoreConfig parse(String url, Map<String, String> env, boolean optional) {
        Matcher m = URL.matcher(url.trim());
        if (!m.matches()) {
            // not echoed: a value that is no URL may hold a password anywhere
            throw new IllegalArgumentException("not a URL (expected: " + SHAPE + ")");
        }
        String scheme = m.group("scheme").toLowerCase(Locale.ROOT);
        if (!scheme.equals("postgres") && !scheme.equals("postgresql")) {
            throw new IllegalArgumentException("scheme '" + m.group("scheme") + "' (expected: postgres:// or "
                    + "postgresql://, e.g. " + SHAPE + ")");
        }
        String userinfo = m.group("userinfo");
        if (userinfo == null || userinfo.isEmpty() || userinfo.startsWith(":")) {
            throw new IllegalArgumentException("no user (expected: " + SHAPE + ")");
        }
        String user = userinfo;
        String password = null;
        int colon = userinfo.indexOf(':');
        if (colon >= 0) {
            user = userinfo.substring(0, colon);
            Matcher ref = ENV_REF.matcher(userinfo.substring(colon + 1));
            if (!ref.matches()) {
                throw new IllegalArgumentException("a password written in the URL (expected: USER:${ENV_VAR} naming "
                        + "the environment variable that holds it, or the password in " + ENV_PASSWORD + ")");
            }
            password = env.get(ref.group(1));
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("environment variable " + ref.group(1)
                        + " is not set (expected: the database password in it)");
            }
        }
        String host = m.group("host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host (expected: " + SHAPE + ")");
        }
        int port = DEFAULT_PORT;
        if (m.group("port") != null) {
            try {
                port = Integer.parseInt(m.group("port"));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port '" + m.group("port") + "' (expected: 1 to 65535)");
            }
        }
        String path = m.group("path");
        if (path == null || path.length() < 2 || path.indexOf('/', 1) >= 0) {
            throw new IllegalArgumentException("no database name (expected: " + SHAPE + ")");
        }
        if (m.group("fragment") != null) {
            throw new IllegalArgumentException("a '#' fragment (expected: " + SHAPE + ")");
        }
        Map<String, String> params = new LinkedHashMap<>();
        String query = m.group("query");
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    // not quoted: a password pasted where a parameter goes would show
                    throw new IllegalArgumentException("a query parameter without a value (expected: NAME=VALUE, "
                            + "e.g. sslmode=require)");
                }
                String name = pair.substring(0, eq);
                if (name.equalsIgnoreCase("password") || name.equalsIgnoreCase("user")) {
                    throw new IllegalArgumentException("query parameter '" + name + "' (expected: the user before "
                            + "'@', the password in " + ENV_PASSWORD + " or as USER:${ENV_VAR})");
                }
                params.put(name, pair.substring(eq + 1));
            }
        }
        String sslmode = params.get("sslmode");
        if (sslmode != null && !SSL_MODES.contains(sslmode)) {
            throw new IllegalArgumentException("sslmode " + (sslmode.matches("[a-z-]{1,16}") ? "'" + sslmode + "'"
                    : "(a value not shown)") + " (expected: disable, allow, prefer, require, verify-ca or verify-full)");
        }
        if (password == null) {
            String fromEnv = env.get(ENV_PASSWORD);
            password = fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
        }
        return new StoreConfig(user, host, port, path.substring(1), params, password, optional);
    }

    /** The driver's URL: host, port and database; user, password and parameters go as properties. */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /** The setting as a message names it: {@code postgres://user@host:port/db}, never the password. */
    public String display() {
        return "postgres://" + user + "@" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "StoreConfig[" + display() + (params.isEmpty() ? "" : " " + params.keySet()) + ", password="
                + (password == null ? "none" : "***") + ", optional=" + optional + "]";
    }
}

package tollgate.config;

/** A listen address, {@code host:port}; port 0 asks the OS for a free port. */
public record HostPort(String host, int port) {
    public HostPort {
        if (host.isBlank()) {
            throw new IllegalArgumentException("host: '' (expected: a host name or IP address)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }

    /** Parses {@code host:port}, {@code [v6]:port} or {@code :port} (all interfaces). */
    public static HostPort parse(String value) {
        String v = value.trim();
        int colon = v.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("'" + value + "' (expected: HOST:PORT, e.g. 127.0.0.1:8080)");
        }
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        int port;
        try {
            port = Integer.parseInt(v.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' (expected: HOST:PORT with a numeric port 0-65535)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + value + "' (expected: HOST:PORT with a port 0-65535)");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}

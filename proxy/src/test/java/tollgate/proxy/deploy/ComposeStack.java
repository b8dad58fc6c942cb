package tollgate.proxy.deploy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * deploy/compose/compose.yaml brought up with podman-compose (Grafana left out: it has no Debian
 * package), on local images, with published ports and an upstream on the host; taken down with its volumes.
 * PostgreSQL comes up first and the replicas once its compose health check passes, as {@code depends_on:
 * condition: service_healthy} asks (podman-compose 1.0 starts them in order without waiting for health).
 */
final class ComposeStack implements AutoCloseable {
    static final List<String> SERVICES = List.of("postgres", "redis", "tollgate-1", "tollgate-2", "prometheus");

    final PodmanHost host;
    final String project = "tollgate-" + PodmanHost.RUN_ID;
    final String upstreamKey = "sk-upstream-" + UUID.randomUUID();
    final String teamAKey = "tg-team-a-" + UUID.randomUUID();
    final String teamBKey = "tg-team-b-" + UUID.randomUUID();
    final String adminToken = "adm-" + UUID.randomUUID();
    final String dbPassword = "pg-" + UUID.randomUUID();
    final ProxyClient replica1;
    final ProxyClient replica2;
    final PrometheusApi prometheus;
    private final int upstreamPort;
    private final Shell compose;
    private final Path composeBin;
    HostUpstream upstream;

    ComposeStack(PodmanHost host) throws Exception {
        this.host = host;
        this.composeBin = host.compose();
        int port1 = ProxyClient.freePort();
        int port2 = ProxyClient.freePort();
        int promPort = ProxyClient.freePort();
        this.upstreamPort = ProxyClient.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("TOLLGATE_IMAGE", host.tollgateImage());
        env.put("REDIS_IMAGE", PodmanHost.REDIS_IMAGE);
        env.put("PROMETHEUS_IMAGE", PodmanHost.PROMETHEUS_IMAGE);
        env.put("POSTGRES_IMAGE", PodmanHost.POSTGRES_IMAGE);
        env.put("POSTGRES_PORT", Integer.toString(ProxyClient.freePort()));
        env.put("POSTGRES_PASSWORD", dbPassword);
        env.put("TOLLGATE_PORT_1", Integer.toString(port1));
        env.put("TOLLGATE_PORT_2", Integer.toString(port2));
        env.put("PROMETHEUS_PORT", Integer.toString(promPort));
        env.put("TOLLGATE_UPSTREAM", "http://host.containers.internal:" + upstreamPort);
        env.put("OPENAI_API_KEY", upstreamKey);
        env.put("TEAM_A_KEY", teamAKey);
        env.put("TEAM_B_KEY", teamBKey);
        env.put("TOLLGATE_ADMIN_TOKEN", adminToken);
        this.compose = host.shell().withEnv(env).in(RepoLayout.deploy("compose"));
        this.replica1 = new ProxyClient(port1);
        this.replica2 = new ProxyClient(port2);
        this.prometheus = new PrometheusApi(promPort);
    }

    /** Brings the stack up; {@link #close()} takes it down even when this failed half-way. */
    void start() throws Exception {
        compose("up", "-d", "postgres").orFail();
        awaitHealthy("postgres", Duration.ofSeconds(90));
        compose("up", "-d").orFail();
        upstream = new HostUpstream(InetAddress.getByName(host.hostAddressSeenBy(container("tollgate-1"))), upstreamPort);
        try {
            replica1.awaitOk("/healthz", Duration.ofSeconds(90));
            replica2.awaitOk("/healthz", Duration.ofSeconds(90));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + logs(), e);
        }
    }

    /** A compose command; {@code up} without services brings up {@link #SERVICES}. */
    private Shell.Result compose(String command, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(composeBin.toString(), "-p", project, "-f", "compose.yaml", command));
        cmd.addAll(List.of(args));
        if (command.equals("up") && cmd.stream().noneMatch(SERVICES::contains)) {
            cmd.addAll(SERVICES);
        }
        return compose.run(Duration.ofMinutes(5), cmd);
    }

    /** Runs the service's compose health check (podman has no timer for it without systemd) until it passes. */
    private void awaitHealthy(String service, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        String name = container(service);
        Shell.Result last = host.podman("healthcheck", "run", name);
        while (!last.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(service + " not healthy within " + limit.toSeconds() + " s: " + last.out() + last.err() + logs());
            }
            Thread.sleep(250);
            last = host.podman("healthcheck", "run", name);
        }
    }

    /** The container podman-compose made for {@code service}. */
    String container(String service) {
        String names = host.podman("ps", "--filter", "label=com.docker.compose.project=" + project,
                "--filter", "label=com.docker.compose.service=" + service, "--format", "{{.Names}}").orFail().out().strip();
        if (names.isEmpty() || names.contains("\n")) {
            throw new AssertionError("expected one running container of service " + service + ", found: [" + names + "]\n" + logs());
        }
        return names;
    }

    /** The usage log of one replica, read from its volume inside the container. */
    String usageLog(String service) {
        return host.podman("exec", container(service), "sh", "-c", "cat /var/lib/tollgate/usage-*.jsonl 2>/dev/null || true").orFail().out();
    }

    /** Every service's log, for failure messages. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        for (String s : SERVICES) {
            String names = host.podman("ps", "-a", "--filter", "label=com.docker.compose.project=" + project,
                    "--filter", "label=com.docker.compose.service=" + s, "--format", "{{.Names}}").out().strip();
            for (String n : names.split("\n")) {
                if (!n.isBlank()) {
                    String log = host.logs(n);
                    sb.append("\n--- ").append(n).append('\n').append(log.length() > 3000 ? log.substring(log.length() - 3000) : log);
                }
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (upstream != null) {
            upstream.close();
        }
        compose("down", "-v");
        // podman-compose 1.0 leaves the project's network behind
        host.podman("network", "rm", "-f", project + "_default");
    }
}

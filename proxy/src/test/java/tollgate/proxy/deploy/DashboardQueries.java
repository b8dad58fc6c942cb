package tollgate.proxy.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PromQL of deploy/grafana/tollgate.json and deploy/prometheus/rules.yml, with Grafana's variables
 * replaced the way Grafana would for "all keys, all models" over a chosen range, ready for a real Prometheus.
 */
final class DashboardQueries {
    /** One query of a panel (or of an alert rule, with the alert's name as title). */
    record Query(String title, String expr) {
    }

    private static final Pattern LABEL_VALUES = Pattern.compile("^label_values\\((.+),\\s*([a-zA-Z_]+)\\)$");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([a-zA-Z_]+)}?");

    private DashboardQueries() {
    }

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(RepoLayout.deploy("grafana/tollgate.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every panel target's expression, as written (variables included), titled by its panel. */
    static List<Query> panels() {
        List<Query> out = new ArrayList<>();
        collect(dashboard().path("panels"), out);
        return out;
    }

    private static void collect(JsonNode panels, List<Query> out) {
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(p.path("title").asText(), t.path("expr").asText()));
            }
            collect(p.path("panels"), out);
        }
    }

    /** The template variables' queries; {@code label_values(m, l)} becomes the PromQL Grafana runs for it. */
    static List<Query> variables() {
        List<Query> out = new ArrayList<>();
        for (JsonNode v : dashboard().path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
                Matcher m = LABEL_VALUES.matcher(q.trim());
                out.add(new Query("variable " + v.path("name").asText(), m.matches() ? "count by (" + m.group(2) + ") (" + m.group(1) + ")" : q));
            }
        }
        return out;
    }

    /** Every alert rule's expression, titled by the alert. */
    static List<Query> rules() {
        List<Query> out = new ArrayList<>();
        try {
            JsonNode root = new YAMLMapper().readTree(RepoLayout.deploy("prometheus/rules.yml").toFile());
            for (JsonNode g : root.path("groups")) {
                for (JsonNode r : g.path("rules")) {
                    out.add(new Query(r.has("alert") ? r.path("alert").asText() : r.path("record").asText(), r.path("expr").asText()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Grafana's substitution for all keys and models, {@code rateInterval} and {@code range} as PromQL durations. */
    static String substitute(String expr, String rateInterval, String range) {
        StringBuilder sb = new StringBuilder();
        Matcher m = VARIABLE.matcher(expr);
        while (m.find()) {
            String value = switch (m.group(1)) {
                case "key", "model" -> ".*";
                case "__rate_interval", "__interval" -> rateInterval;
                case "__range" -> range;
                default -> throw new AssertionError("unknown Grafana variable $" + m.group(1) + " in: " + expr);
            };
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}

package tollgate.proxy.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The objects a kustomize render printed (a multi-document YAML stream), looked up by kind and name. */
final class RenderedObjects {
    private final List<JsonNode> objects;

    RenderedObjects(String yaml) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    all.add(n);
                }
            }
        }
        this.objects = List.copyOf(all);
    }

    List<JsonNode> all() {
        return objects;
    }

    /** The one object of {@code kind} whose name is {@code name} (or starts with {@code name-}: generated names carry a hash). */
    JsonNode one(String kind, String name) {
        List<JsonNode> found = objects.stream().filter(o -> o.path("kind").asText().equals(kind))
                .filter(o -> {
                    String n = o.path("metadata").path("name").asText();
                    return n.equals(name) || n.matches(java.util.regex.Pattern.quote(name) + "-[a-z0-9]{10}");
                }).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + " " + name + ", found " + found.size() + " among "
                    + objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).toList());
        }
        return found.get(0);
    }

    /** True when every label of {@code selector} (a matchLabels or a Service selector) is on {@code labels}. */
    static boolean selects(JsonNode selector, JsonNode labels) {
        if (selector.isMissingNode() || selector.isEmpty()) {
            return false;
        }
        for (var e : selector.properties()) {
            if (!labels.path(e.getKey()).asText("\u0000").equals(e.getValue().asText())) {
                return false;
            }
        }
        return true;
    }
}

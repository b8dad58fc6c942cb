package tollgate.metering.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a set of prices would change against the table in effect ({@code tollgate pricing diff}, SPEC 12): models
 * whose prices differ, field by field, models the table lacks, and models of the table the set lacks. A name the
 * table knows as an alias is compared with the model it prices. Only prices count: an output cap or a cheaper
 * alternative is no price.
 */
public final class PricingDiff {
    private PricingDiff() {
    }

    /** One line per changed, added or removed model, by name, then a count. */
    public static List<String> lines(PricingTable table, Map<String, ModelPrice> proposed) {
        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (Map.Entry<String, ModelPrice> e : new TreeMap<>(proposed).entrySet()) {
            PricedModel now = table.get(e.getKey());
            if (now == null) {
                added.add("added   " + e.getKey() + ": " + String.join(", ", describe(fields(e.getValue()))));
                continue;
            }
            seen.add(now.name());
            List<String> d = differences(fields(now.price()), fields(e.getValue()));
            if (!d.isEmpty()) {
                changed.add("changed " + e.getKey() + (now.name().equals(e.getKey()) ? "" : " (" + now.name() + ")") + ": "
                        + String.join(", ", d));
            }
        }
        List<String> removed = new ArrayList<>();
        for (PricedModel m : table.entries()) {
            if (!seen.contains(m.name()) && !proposed.containsKey(m.name())) {
                removed.add("removed " + m.name());
            }
        }
        List<String> out = new ArrayList<>(changed);
        out.addAll(added);
        out.addAll(removed);
        out.add(changed.size() + " changed, " + added.size() + " added, " + removed.size() + " removed against the table of "
                + table.date() + (table.overrideFile() == null ? "" : " with " + table.overrideFile()));
        return out;
    }

    private static List<String> differences(SortedMap<String, String> now, SortedMap<String, String> next) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(now.keySet());
        keys.addAll(next.keySet());
        for (String k : keys) {
            String a = now.getOrDefault(k, "-");
            String b = next.getOrDefault(k, "-");
            if (!a.equals(b)) {
                out.add(k + " " + a + " → " + b);
            }
        }
        return out;
    }

    private static List<String> describe(SortedMap<String, String> fields) {
        List<String> out = new ArrayList<>();
        fields.forEach((k, v) -> out.add(k + " " + v));
        return out;
    }

    /** Every price of a model as {@code path → plain number}, e.g. {@code tiers.flex.input → 0.625}. */
    static SortedMap<String, String> fields(ModelPrice p) {
        SortedMap<String, String> out = new TreeMap<>();
        flatten("", PricingTableFormatter.node(p), out);
        out.remove("max_output_tokens");
        out.remove("cheaper_alternative");
        return out;
    }

    private static void flatten(String prefix, JsonNode node, SortedMap<String, String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            if (e.getValue().isObject()) {
                flatten(path + ".", e.getValue(), out);
            } else {
                out.put(path, e.getValue().isNumber() ? e.getValue().decimalValue().stripTrailingZeros().toPlainString()
                        : e.getValue().asText());
            }
        }
    }
}

package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CellKeyTest {
    @Test
    void cellsAreEqualByEveryDimensionWhateverTheMapsAndStringsTheyWereMadeFrom() {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("team", "search");
        tags.put("env", "prod");
        Map<String, String> reordered = new HashMap<>();
        reordered.put("env", "prod");
        reordered.put("team", "search");
        CellKey a = new CellKey("key_1", "/v1/chat/completions", "gpt-4o", "gpt-4o", "u1", tags, null, "openai");
        // fresh strings, as each call's record brings
        CellKey b = new CellKey(new String("key_1"), "/v1/chat/completions", new String("gpt-4o"), "gpt-4o",
                new String("u1"), reordered, null, "openai");
        assertThat(b).isEqualTo(a).hasSameHashCodeAs(a);
        Map<CellKey, Integer> cells = new HashMap<>();
        cells.put(a, 1);
        assertThat(cells).containsKey(b);

        // each dimension tells cells apart, null included
        assertThat(new CellKey("key_2", a.endpoint(), a.model(), a.pricedAs(), a.user(), tags, null, "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), "/v1/embeddings", a.model(), a.pricedAs(), a.user(), tags, null, "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), a.endpoint(), null, a.pricedAs(), a.user(), tags, null, "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), a.endpoint(), a.model(), null, a.user(), tags, null, "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), a.endpoint(), a.model(), a.pricedAs(), null, tags, null, "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), a.endpoint(), a.model(), a.pricedAs(), a.user(), Map.of("team", "search"), null,
                "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), a.endpoint(), a.model(), a.pricedAs(), a.user(), tags, "timeout", "openai")).isNotEqualTo(a);
        assertThat(new CellKey(a.key(), a.endpoint(), a.model(), a.pricedAs(), a.user(), tags, null)).isNotEqualTo(a);
        // the tags are the cell's own copy: changing the caller's map later changes nothing
        tags.put("team", "ads");
        assertThat(a.tags()).containsEntry("team", "search");
        assertThat(cells).containsKey(b);
    }
}

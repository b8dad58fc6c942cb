package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsQueryTest {
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 22);

    @Test
    void daysMeansTheLastNDaysIncludingToday() {
        StatsQuery q = StatsQuery.parse(Map.of("days", "7"), TODAY);

        assertThat(q.from()).isEqualTo(LocalDate.of(2026, 11, 16));
        assertThat(q.to()).isEqualTo(TODAY);
        assertThat(q.days()).isEqualTo(7);
    }

    @Test
    void noRangeIsTheLastThirtyDaysWithSuggestionsForTheAdminApi() {
        StatsQuery q = StatsQuery.parse(Map.of(), TODAY);

        assertThat(q.days()).isEqualTo(30);
        assertThat(q.period()).isEqualTo(ReportPeriod.DAY);
        assertThat(q.suggestions()).isTrue();
        assertThat(q.filter().isEmpty()).isTrue();
    }

    @Test
    void allParametersAreRead() {
        StatsQuery q = StatsQuery.parse(Map.of("since", "2026-11-01", "until", "2026-11-10", "by", "model,tag:Team",
                "period", "week", "key", "storybot", "model", "gpt-4o", "user", "42", "tag", "team=search",
                "suggestions", "false"), TODAY);

        assertThat(q.from()).isEqualTo(LocalDate.of(2026, 11, 1));
        assertThat(q.to()).isEqualTo(LocalDate.of(2026, 11, 10));
        assertThat(q.by()).containsExactly(GroupBy.of(Dimension.MODEL), new GroupBy(Dimension.TAG, "team"));
        assertThat(q.period()).isEqualTo(ReportPeriod.WEEK);
        assertThat(q.filter()).isEqualTo(new StatsFilter("storybot", "gpt-4o", "42", Map.of("team", "search")));
        assertThat(q.suggestions()).isFalse();
    }

    @Test
    void repeatedByParametersAreKeptInOrderOnce() {
        StatsQuery q = StatsQuery.parseMulti(Map.of("by", List.of("key", "user", "key")), TODAY);

        assertThat(q.by()).extracting(GroupBy::name).containsExactly("key", "user");
    }

    @Test
    void badParametersNameTheParameterAndWhatIsAccepted() {
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("days", "x"), TODAY)).hasMessageContaining("days: 'x'");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("days", "3", "since", "2026-11-01"), TODAY))
                .hasMessageContaining("either days or since/until");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("since", "2026-11-30", "until", "2026-11-01"), TODAY))
                .hasMessageContaining("since: 2026-11-30");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("until", "2026-11-01"), TODAY))
                .hasMessageContaining("until: 2026-11-01 (expected: with since)");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("since", "Nov 1"), TODAY))
                .hasMessageContaining("since: 'Nov 1' (expected: a date YYYY-MM-DD)");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("period", "year"), TODAY)).hasMessageContaining("period: 'year'");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("tag", "novalue"), TODAY)).hasMessageContaining("NAME=VALUE");
        assertThatThrownBy(() -> StatsQuery.parse(Map.of("days", "100000"), TODAY)).hasMessageContaining("1..3660");
    }

    @Test
    void onlyKeyNarrowsAnyQueryToOneKey() {
        StatsQuery q = StatsQuery.parse(Map.of("key", "someone-else"), TODAY).onlyKey("storybot");

        assertThat(q.filter().key()).isEqualTo("storybot");
    }
}

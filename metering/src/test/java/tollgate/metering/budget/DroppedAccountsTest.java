package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Dropped accounts are remembered while a window they counted in is open, and forgotten after, in bounded memory. */
class DroppedAccountsTest {
    static final Instant DEC_2 = Instant.parse("2026-12-02T10:00:00Z");
    static final Instant JAN_1 = Instant.parse("2027-01-01T00:00:00Z");

    @Test
    void anAccountIsRememberedUntilItsLastWindowHasEndedAndForGoodWithAWindowThatNeverEnds() {
        DroppedAccounts d = new DroppedAccounts(1 << 16);
        d.add("user:monthly", JAN_1); // a December window
        d.add("user:total", null);
        assertThat(d.mightContain("user:monthly", DEC_2)).isTrue();
        assertThat(d.mightContain("user:monthly", JAN_1.minusSeconds(1))).isTrue();
        assertThat(d.mightContain("user:never-dropped", DEC_2)).isFalse();
        // once every window it counted in has ended, its spend cannot count again: it starts from zero
        Instant later = JAN_1.plus(Duration.ofDays(DroppedAccounts.GENERATION_SECONDS / 86_400 + 1));
        assertThat(d.mightContain("user:monthly", later)).isFalse();
        assertThat(d.mightContain("user:total", later)).isTrue();
    }

    @Test
    void aYearOfDropsKeepsAtMostTwoGenerationsAndTheFilterForGood() {
        DroppedAccounts d = new DroppedAccounts(1 << 16);
        Instant now = DEC_2;
        for (int day = 0; day < 365; day++, now = now.plus(Duration.ofDays(1))) {
            for (int i = 0; i < 100; i++) {
                d.add("user:" + day + "-" + i, now.plus(Duration.ofDays(30))); // a monthly window open now
            }
            d.add("key:" + day, null);
            assertThat(d.mightContain("user:" + day + "-0", now)).isTrue();
            assertThat(d.filters()).isLessThanOrEqualTo(3);
        }
        // what was dropped in the first month is forgotten; what has a window that never ends is not
        assertThat(d.mightContain("user:0-0", now)).isFalse();
        assertThat(d.mightContain("key:0", now)).isTrue();
    }
}

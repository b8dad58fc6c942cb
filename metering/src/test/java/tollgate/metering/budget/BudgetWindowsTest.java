package tollgate.metering.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import tollgate.config.BudgetWindow;

class BudgetWindowsTest {

    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static Instant t(String iso) {
        return Instant.parse(iso);
    }

    @Test
    void dailyWindowStartsAtLocalMidnightAndResetsAtTheNext() {
        Instant now = t("2026-11-22T10:30:45.123Z");
        assertThat(BudgetWindows.start(BudgetWindow.DAILY, now, UTC)).isEqualTo(t("2026-11-22T00:00:00Z"));
        assertThat(BudgetWindows.resetsAt(BudgetWindow.DAILY, now, UTC)).isEqualTo(t("2026-11-23T00:00:00Z"));
    }

    @Test
    void hourlyWindowIsTheCurrentHour() {
        Instant now = t("2026-11-22T10:59:59.999Z");
        assertThat(BudgetWindows.start(BudgetWindow.HOURLY, now, UTC)).isEqualTo(t("2026-11-22T10:00:00Z"));
        assertThat(BudgetWindows.resetsAt(BudgetWindow.HOURLY, now, UTC)).isEqualTo(t("2026-11-22T11:00:00Z"));
    }

    @Test
    void weeklyWindowStartsOnMonday() {
        // 2026-11-22 is a Sunday: its week began on Monday 2026-11-16
        Instant sunday = t("2026-11-22T23:59:59Z");
        assertThat(BudgetWindows.start(BudgetWindow.WEEKLY, sunday, UTC)).isEqualTo(t("2026-11-16T00:00:00Z"));
        assertThat(BudgetWindows.resetsAt(BudgetWindow.WEEKLY, sunday, UTC)).isEqualTo(t("2026-11-23T00:00:00Z"));
        Instant monday = t("2026-11-23T00:00:00Z");
        assertThat(BudgetWindows.start(BudgetWindow.WEEKLY, monday, UTC)).isEqualTo(monday);
        assertThat(BudgetWindows.resetsAt(BudgetWindow.WEEKLY, monday, UTC)).isEqualTo(t("2026-11-30T00:00:00Z"));
    }

    @Test
    void monthlyWindowRunsFromTheFirstToTheFirstOfNextMonth() {
        Instant now = t("2026-12-31T23:00:00Z");
        assertThat(BudgetWindows.start(BudgetWindow.MONTHLY, now, UTC)).isEqualTo(t("2026-12-01T00:00:00Z"));
        assertThat(BudgetWindows.resetsAt(BudgetWindow.MONTHLY, now, UTC)).isEqualTo(t("2027-01-01T00:00:00Z"));
        Instant leapFebruary = t("2028-02-29T12:00:00Z");
        assertThat(BudgetWindows.resetsAt(BudgetWindow.MONTHLY, leapFebruary, UTC))
                .isEqualTo(t("2028-03-01T00:00:00Z"));
    }

    @Test
    void totalWindowNeverResets() {
        Instant now = t("2026-11-22T10:30:00Z");
        assertThat(BudgetWindows.start(BudgetWindow.TOTAL, now, UTC)).isEqualTo(Instant.EPOCH);
        assertThat(BudgetWindows.resetsAt(BudgetWindow.TOTAL, now, UTC)).isNull();
        assertThat(BudgetWindows.slot(BudgetWindow.TOTAL, now, UTC).endedBy(t("2999-01-01T00:00:00Z"))).isFalse();
    }

    @Test
    void windowsFollowTheConfiguredTimeZoneNotUtc() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        // 2026-11-30T16:00Z is already 2026-12-01 01:00 in Tokyo (UTC+9)
        Instant now = t("2026-11-30T16:00:00Z");
        assertThat(BudgetWindows.start(BudgetWindow.DAILY, now, tokyo)).isEqualTo(t("2026-11-30T15:00:00Z"));
        assertThat(BudgetWindows.start(BudgetWindow.MONTHLY, now, tokyo)).isEqualTo(t("2026-11-30T15:00:00Z"));
        assertThat(BudgetWindows.resetsAt(BudgetWindow.MONTHLY, now, tokyo)).isEqualTo(t("2026-12-31T15:00:00Z"));
        // and in UTC the same instant is still November
        assertThat(BudgetWindows.start(BudgetWindow.MONTHLY, now, UTC)).isEqualTo(t("2026-11-01T00:00:00Z"));
    }

    @Test
    void halfHourOffsetZoneAlignsHoursLocally() {
        ZoneId kolkata = ZoneId.of("Asia/Kolkata");
        Instant now = t("2026-11-22T10:10:00Z"); // 15:40 IST
        assertThat(BudgetWindows.start(BudgetWindow.HOURLY, now, kolkata)).isEqualTo(t("2026-11-22T09:30:00Z"));
        assertThat(BudgetWindows.resetsAt(BudgetWindow.HOURLY, now, kolkata)).isEqualTo(t("2026-11-22T10:30:00Z"));
    }

    @Test
    void springForwardDayLasts23Hours() {
        // US DST began 2026-03-08 at 02:00 EST: the day runs from 05:00Z to 04:00Z next day
        Instant noon = t("2026-03-08T16:00:00Z");
        Instant start = BudgetWindows.start(BudgetWindow.DAILY, noon, NEW_YORK);
        Instant reset = BudgetWindows.resetsAt(BudgetWindow.DAILY, noon, NEW_YORK);
        assertThat(start).isEqualTo(t("2026-03-08T05:00:00Z"));
        assertThat(reset).isEqualTo(t("2026-03-09T04:00:00Z"));
        assertThat(Duration.between(start, reset)).isEqualTo(Duration.ofHours(23));
    }

    @Test
    void fallBackDayLasts25HoursAndItsRepeatedHourIsTwoWindows() {
        // US DST ended 2026-11-01 at 02:00 EDT, when clocks went back to 01:00 EST
        Instant noon = t("2026-11-01T17:00:00Z");
        Instant start = BudgetWindows.start(BudgetWindow.DAILY, noon, NEW_YORK);
        Instant reset = BudgetWindows.resetsAt(BudgetWindow.DAILY, noon, NEW_YORK);
        assertThat(Duration.between(start, reset)).isEqualTo(Duration.ofHours(25));

        Instant firstOneThirty = t("2026-11-01T05:30:00Z"); // 01:30 EDT
        Instant secondOneThirty = t("2026-11-01T06:30:00Z"); // 01:30 EST
        WindowSlot first = BudgetWindows.slot(BudgetWindow.HOURLY, firstOneThirty, NEW_YORK);
        WindowSlot second = BudgetWindows.slot(BudgetWindow.HOURLY, secondOneThirty, NEW_YORK);
        assertThat(first.start()).isEqualTo(t("2026-11-01T05:00:00Z"));
        assertThat(first.end()).isEqualTo(second.start());
        assertThat(second.end()).isEqualTo(t("2026-11-01T07:00:00Z"));
    }

    @Test
    void everyInstantOfAWindowMapsToTheSameSlotAndItsEndStartsTheNext() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        for (BudgetWindow w : new BudgetWindow[] {BudgetWindow.HOURLY, BudgetWindow.DAILY, BudgetWindow.WEEKLY,
                BudgetWindow.MONTHLY}) {
            Instant now = t("2026-03-29T00:30:00Z"); // Berlin's spring-forward day
            WindowSlot slot = BudgetWindows.slot(w, now, berlin);
            assertThat(BudgetWindows.slot(w, slot.start(), berlin)).as(w.id()).isEqualTo(slot);
            assertThat(BudgetWindows.slot(w, slot.end().minusMillis(1), berlin)).as(w.id()).isEqualTo(slot);
            assertThat(BudgetWindows.start(w, slot.end(), berlin)).as(w.id()).isEqualTo(slot.end());
        }
    }
}

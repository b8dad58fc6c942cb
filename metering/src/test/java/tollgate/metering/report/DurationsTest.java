package tollgate.metering.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void bucketBoundsAreRoundMillisecondsStrictlyIncreasing() {
        assertThat(Durations.BOUNDS).startsWith(1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 40, 50, 70, 100, 150);
        assertThat(Durations.BOUNDS).endsWith(4_000_000, 5_000_000, 7_000_000).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void aPercentileIsItsBucketsUpperBoundAndSlowerThanTheLastIsTheLast() {
        Durations d = new Durations();
        for (long ms : new long[] {0, 101, 150, 151, 9_000_000}) {
            d.add(ms);
        }

        // ranks 1..5: 0 → 1 ms; 101 and 150 → 150; 151 → 200; 9,000,000 → past the last bound
        assertThat(d.percentileMs(0.2)).isEqualTo(1);
        assertThat(d.percentileMs(0.5)).isEqualTo(150);
        assertThat(d.percentileMs(0.8)).isEqualTo(200);
        assertThat(d.percentileMs(0.95)).isEqualTo(7_000_000);
        assertThat(new Durations().percentileMs(0.5)).isZero();
    }

    @Test
    void sumsOfHistogramsAreTheHistogramOfTheSum() {
        Durations a = new Durations();
        Durations b = new Durations();
        Durations both = new Durations();
        for (long ms = 1; ms < 20_000; ms += 37) {
            (ms % 2 == 0 ? a : b).add(ms);
            both.add(ms);
        }
        a.add(b);

        for (double p : new double[] {0.01, 0.5, 0.9, 0.95, 0.99, 1}) {
            assertThat(a.percentileMs(p)).as("p%s", p).isEqualTo(both.percentileMs(p));
        }
    }
}

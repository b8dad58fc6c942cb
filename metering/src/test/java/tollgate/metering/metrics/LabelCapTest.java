package tollgate.metering.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class LabelCapTest {

    @Test
    void valuesPastTheCapReportAsOtherAndAdmittedOnesStay() {
        LabelCap cap = new LabelCap(2);
        assertThat(cap.admit("a")).isEqualTo("a");
        assertThat(cap.admit("b")).isEqualTo("b");
        assertThat(cap.admit("c")).isEqualTo(LabelCap.OTHER);
        assertThat(cap.admit("a")).isEqualTo("a");
        assertThat(cap.admit("b")).isEqualTo("b");
        assertThat(cap.size()).isEqualTo(2);
    }

    @Test
    void anAbsentValueStaysAbsentAndTakesNoSlot() {
        LabelCap cap = new LabelCap(1);
        assertThat(cap.fold(null)).isNull();
        assertThat(cap.fold("a")).isEqualTo("a");
        assertThat(cap.fold("b")).isEqualTo(LabelCap.OTHER);
    }

    @Test
    void valuesLongerThanTheCharacterCapReportAsOtherWithoutTakingASlot() {
        LabelCap cap = new LabelCap(1, tollgate.metering.usage.FieldCap.MAX_CHARS);
        assertThat(cap.admit("m".repeat(tollgate.metering.usage.FieldCap.MAX_CHARS + 1))).isEqualTo(LabelCap.OTHER);
        assertThat(cap.admit("m".repeat(tollgate.metering.usage.FieldCap.MAX_CHARS))).isEqualTo("m".repeat(tollgate.metering.usage.FieldCap.MAX_CHARS));

        // without a character cap (report dimensions: a tag is name + value), only the count bounds it
        assertThat(new LabelCap(1).admit("t".repeat(300))).hasSize(300);
    }

    @Test
    void concurrentCallersNeverAdmitMoreThanTheCapAndAgreeOnEachValue() throws Exception {
        LabelCap cap = new LabelCap(50);
        int threads = 8;
        CyclicBarrier start = new CyclicBarrier(threads);
        Set<String> admitted = ConcurrentHashMap.newKeySet();
        Set<String> refused = ConcurrentHashMap.newKeySet();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < 200; i++) {
                    String v = "v" + i;
                    (cap.admit(v).equals(v) ? admitted : refused).add(v);
                }
            });
            thread.start();
            all.add(thread);
        }
        for (Thread thread : all) {
            thread.join();
        }
        assertThat(admitted).hasSize(50);
        assertThat(cap.size()).isEqualTo(50);
        // no value was admitted for one caller and refused for another
        assertThat(refused).doesNotContainAnyElementsOf(admitted);
    }

    @Test
    void capsBelowOneAreRejected() {
        assertThatThrownBy(() -> new LabelCap(0)).hasMessage("maxValues, maxChars: 0, 2147483647 (expected: >= 1)");
    }
}

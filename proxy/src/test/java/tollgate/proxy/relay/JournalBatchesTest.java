package tollgate.proxy.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tollgate.metering.log.ReservationJournal;

class JournalBatchesTest {
    private final EventLoop loop = new DefaultEventLoop();
    /** Each hand-off to the writer: its holds and the future the test completes. */
    private final List<List<ReservationJournal.Hold>> handedOff = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<Void>> writes = new CopyOnWriteArrayList<>();
    private final JournalBatches batches = new JournalBatches(holds -> {
        handedOff.add(holds);
        CompletableFuture<Void> f = new CompletableFuture<>();
        writes.add(f);
        return f;
    });

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ReservationJournal.Hold hold(String id) {
        return new ReservationJournal.Hold(id, Instant.EPOCH, "k", "/v1/chat/completions", "gpt-4o", "gpt-4o", false,
                null, Map.of(), new BigDecimal("0.01"), 100);
    }

    @Test
    void holdsOfOnePassGoToTheWriterTogetherAndTheirCallsGoOnOnTheLoop() throws Exception {
        List<CompletableFuture<Boolean>> wentOnInLoop = new ArrayList<>();
        loop.submit(() -> {
            for (int i = 0; i < 5; i++) {
                CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
                batches.apply(hold("h" + i)).whenComplete((ok, e) -> onLoop.complete(e == null && loop.inEventLoop()));
                wentOnInLoop.add(onLoop);
            }
            // nothing is handed off while the pass runs
            assertThat(handedOff).isEmpty();
        }).sync();
        // the pass's task has run: one hand-off with the five holds in order
        loop.submit(() -> { }).sync();
        assertThat(handedOff).hasSize(1);
        assertThat(handedOff.get(0)).extracting(ReservationJournal.Hold::id).containsExactly("h0", "h1", "h2", "h3", "h4");
        assertThat(wentOnInLoop).noneMatch(CompletableFuture::isDone);

        writes.get(0).complete(null);
        for (CompletableFuture<Boolean> f : wentOnInLoop) {
            assertThat(f.get(5, TimeUnit.SECONDS)).as("completed, on the event loop").isTrue();
        }

        // the next pass is a batch of its own
        CompletableFuture<CompletableFuture<Void>> next = new CompletableFuture<>();
        loop.execute(() -> next.complete(batches.apply(hold("h5"))));
        // once that pass ran (its task is queued then), a task submitted now runs after the pass's task
        CompletableFuture<Void> failed = next.get(5, TimeUnit.SECONDS);
        loop.submit(() -> { }).sync();
        assertThat(handedOff).hasSize(2);
        assertThat(handedOff.get(1)).extracting(ReservationJournal.Hold::id).containsExactly("h5");
        writes.get(1).completeExceptionally(new java.io.IOException("disk full"));
        assertThat(failed).failsWithin(5, TimeUnit.SECONDS);
    }

    @Test
    void offAnEventLoopEachHoldGoesAlone() {
        CompletableFuture<Void> a = batches.apply(hold("a"));
        CompletableFuture<Void> b = batches.apply(hold("b"));
        assertThat(handedOff).hasSize(2);
        assertThat(handedOff.get(0)).extracting(ReservationJournal.Hold::id).containsExactly("a");
        writes.get(0).complete(null);
        assertThat(a).isCompleted();
        assertThat(b).isNotDone();
    }
}

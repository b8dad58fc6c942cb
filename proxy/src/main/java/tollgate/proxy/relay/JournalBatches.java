package tollgate.proxy.relay;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import tollgate.metering.log.ReservationJournal;

/**
 * Budget holds journaled an event-loop pass at a time (issue 16). A held call waits until its hold is in the
 * journal (issue 17); handing each hold to the log's thread alone cost a wake-up of that thread, and its answer a
 * wake-up of the loop, per call (about a futex and an eventfd write per budgeted call in s1). Here the holds an event
 * loop admits while it handles one batch of reads go to the writer together, from a task the loop runs after those
 * reads, and their answer comes back to the loop as one task that lets every waiting call go on, on its loop.
 * Off an event loop (tests, tools) each hold goes on its own.
 */
public final class JournalBatches implements Function<ReservationJournal.Hold, CompletableFuture<Void>> {
    private final Function<List<ReservationJournal.Hold>, CompletableFuture<Void>> journal;
    private final FastThreadLocal<Pending> pending = new FastThreadLocal<>();

    /** @param journal writes holds and completes once they are written ({@code UsageLogWriter::holdAll}) */
    public JournalBatches(Function<List<ReservationJournal.Hold>, CompletableFuture<Void>> journal) {
        this.journal = journal;
    }

    @Override
    public CompletableFuture<Void> apply(ReservationJournal.Hold hold) {
        EventExecutor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null) {
            return journal.apply(List.of(hold));
        }
        Pending p = pending.get();
        if (p == null || p.loop != loop) {
            p = new Pending(loop);
            pending.set(p);
        }
        return p.add(hold);
    }

    /** The holds of one loop not handed to the writer yet; touched on that loop only. */
    private final class Pending implements Runnable {
        private final EventExecutor loop;
        private List<ReservationJournal.Hold> holds = new ArrayList<>();
        private List<CompletableFuture<Void>> waiting = new ArrayList<>();

        Pending(EventExecutor loop) {
            this.loop = loop;
        }

        CompletableFuture<Void> add(ReservationJournal.Hold hold) {
            if (holds.isEmpty()) {
                try {
                    loop.execute(this);
                } catch (RejectedExecutionException stopping) {
                    return journal.apply(List.of(hold));
                }
            }
            holds.add(hold);
            CompletableFuture<Void> written = new CompletableFuture<>();
            waiting.add(written);
            return written;
        }

        @Override
        public void run() {
            List<ReservationJournal.Hold> batch = holds;
            List<CompletableFuture<Void>> calls = waiting;
            holds = new ArrayList<>();
            waiting = new ArrayList<>();
            journal.apply(batch).whenComplete((ok, failure) -> {
                try {
                    loop.execute(() -> complete(calls, failure));
                } catch (RejectedExecutionException stopping) {
                    complete(calls, failure);
                }
            });
        }
    }

    private static void complete(List<CompletableFuture<Void>> calls, @Nullable Throwable failure) {
        for (CompletableFuture<Void> c : calls) {
            if (failure == null) {
                c.complete(null);
            } else {
                c.completeExceptionally(failure);
            }
        }
    }
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One key's counters and holds in the in-process store. Every method holds the account's lock, which makes an
 * operation atomic across the key's windows; counters of ended slots are dropped as the account is used.
 */
final class KeyAccount {

    /** Holds per key beyond which the oldest is released: a bound on memory, far above any real concurrency. */
    static final int MAX_HOLDS = 65_536;

    private final Map<WindowSlot, Counter> counters = new HashMap<>();
    /** In insertion order, which is expiry order because every hold lives equally long. */
    private final LinkedHashMap<String, Hold> holds = new LinkedHashMap<>();

    synchronized BudgetStore.ReserveReply reserve(BudgetStore.ReserveCall call) {
        expireHolds(call.now());
        dropEnded(call.now());
        boolean granted = true;
        for (BudgetStore.SlotLimit s : call.slots()) {
            WindowState state = new WindowState(s.limit(), view(s.slot()));
            if (!state.admits(call.usd(), call.tokens(), call.hold())) {
                granted = false;
            }
        }
        if (granted && call.hold()) {
            List<WindowSlot> slots = new ArrayList<>(call.slots().size());
            for (BudgetStore.SlotLimit s : call.slots()) {
                counters.computeIfAbsent(s.slot(), k -> new Counter()).reserve(call.usd(), call.tokens());
                slots.add(s.slot());
            }
            if (holds.size() >= MAX_HOLDS) {
                Iterator<Hold> oldest = holds.values().iterator();
                release(oldest.next());
                oldest.remove();
            }
            holds.put(call.holdId(), new Hold(slots, call.usd(), call.tokens(), call.holdUntil()));
        }
        List<WindowCounter> out = new ArrayList<>(call.slots().size());
        for (BudgetStore.SlotLimit s : call.slots()) {
            out.add(view(s.slot()));
        }
        return new BudgetStore.ReserveReply(granted, out);
    }

    synchronized List<WindowCounter> settle(BudgetStore.SettleCall call) {
        String id = call.holdId();
        if (id != null) {
            Hold hold = holds.remove(id);
            if (hold != null) {
                release(hold);
            }
        }
        dropEnded(call.now());
        List<WindowCounter> out = new ArrayList<>(call.charge().size());
        for (WindowSlot slot : call.charge()) {
            counters.computeIfAbsent(slot, k -> new Counter()).spend(call.usd(), call.tokens());
            out.add(view(slot));
        }
        return out;
    }

    synchronized void load(WindowSlot slot, BigDecimal usd, long tokens) {
        counters.computeIfAbsent(slot, k -> new Counter()).spend(usd, tokens);
    }

    synchronized List<WindowCounter> read(List<WindowSlot> slots, Instant now) {
        expireHolds(now);
        List<WindowCounter> out = new ArrayList<>(slots.size());
        for (WindowSlot slot : slots) {
            out.add(view(slot));
        }
        return out;
    }

    synchronized int holdCount() {
        return holds.size();
    }

    private WindowCounter view(WindowSlot slot) {
        Counter c = counters.get(slot);
        return c == null ? WindowCounter.empty(slot) : c.view(slot);
    }

    private void expireHolds(Instant now) {
        Iterator<Hold> it = holds.values().iterator();
        while (it.hasNext()) {
            Hold h = it.next();
            if (h.until().isAfter(now)) {
                return;
            }
            release(h);
            it.remove();
        }
    }

    private void dropEnded(Instant now) {
        counters.keySet().removeIf(slot -> slot.endedBy(now));
    }

    private void release(Hold hold) {
        for (WindowSlot slot : hold.slots()) {
            @Nullable Counter c = counters.get(slot);
            if (c != null) {
                c.release(hold.usd(), hold.tokens());
            }
        }
    }

    private record Hold(List<WindowSlot> slots, BigDecimal usd, long tokens, Instant until) {
    }

    /** Mutable sums, guarded by the account's lock. */
    private static final class Counter {
        private BigDecimal spentUsd = BigDecimal.ZERO;
        private BigDecimal reservedUsd = BigDecimal.ZERO;
        private long spentTokens;
        private long reservedTokens;

        void reserve(BigDecimal usd, long tokens) {
            reservedUsd = reservedUsd.add(usd);
            reservedTokens += tokens;
        }

        void release(BigDecimal usd, long tokens) {
            reservedUsd = reservedUsd.subtract(usd).max(BigDecimal.ZERO);
            reservedTokens = Math.max(0, reservedTokens - tokens);
        }

        void spend(BigDecimal usd, long tokens) {
            spentUsd = spentUsd.add(usd);
            spentTokens = Math.addExact(spentTokens, tokens);
        }

        WindowCounter view(WindowSlot slot) {
            return new WindowCounter(slot, spentUsd, reservedUsd, spentTokens, reservedTokens);
        }
    }
}

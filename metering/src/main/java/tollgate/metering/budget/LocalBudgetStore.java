package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Budget counters in this process ({@code store: local}): exact {@link BigDecimal} sums, every future already
 * complete. One lock guards every counter and hold, so a call's reservation over all its scopes (key, user, tag
 * values, model, global: SPEC 11) is one critical section: two calls can never both take the last of any of them,
 * and a call refused by one scope holds nothing in the others. Spend is lost on exit and rebuilt from the usage log
 * at start-up ({@link LedgerRebuild}).
 *
 * <p>Accounts (one per scope member) are bounded: beyond {@code maxAccounts} the least valuable account's counters
 * are dropped (Caffeine's frequency-aware eviction keeps busy ones) and counted in {@link #evicted()}, since key
 * ids, users and tag values come from client input. An account's counters of windows that have ended are dropped
 * as it is used.
 */
public final class LocalBudgetStore implements BudgetStore {

    public static final int DEFAULT_MAX_KEYS = 100_000;
    /** Holds beyond which the oldest is released: a bound on memory, far above any real concurrency. */
    static final int MAX_HOLDS = 262_144;

    private final Object lock = new Object();
    private final Cache<String, Map<WindowSlot, Counter>> accounts;
    /** In insertion order, which is expiry order because every hold lives equally long. */
    private final LinkedHashMap<String, Hold> holds = new LinkedHashMap<>();
    private final LongAdder evicted = new LongAdder();

    public LocalBudgetStore() {
        this(DEFAULT_MAX_KEYS);
    }

    public LocalBudgetStore(int maxAccounts) {
        if (maxAccounts < 1) {
            throw new IllegalArgumentException("maxKeys: " + maxAccounts + " (expected: >= 1)");
        }
        this.accounts = Caffeine.newBuilder().maximumSize(maxAccounts).executor(Runnable::run)
                .<String, Map<WindowSlot, Counter>>removalListener((k, v, cause) -> {
                    if (cause == RemovalCause.SIZE) {
                        evicted.increment();
                    }
                }).build();
    }

    @Override
    public CompletableFuture<ReserveReply> reserve(ReserveCall call) {
        synchronized (lock) {
            expireHolds(call.now());
            boolean granted = true;
            for (SlotLimit s : call.slots()) {
                WindowState state = new WindowState(s.limit(), view(s.account(), s.slot(), call.now()));
                if (!state.admits(call.usd(), call.tokens(), call.hold())) {
                    granted = false;
                }
            }
            if (granted && call.hold()) {
                List<AccountSlot> slots = new ArrayList<>(call.slots().size());
                for (SlotLimit s : call.slots()) {
                    counter(s.account(), s.slot()).reserve(call.usd(), call.tokens());
                    slots.add(new AccountSlot(s.account(), s.slot()));
                }
                if (holds.size() >= MAX_HOLDS) {
                    Iterator<Hold> oldest = holds.values().iterator();
                    release(oldest.next());
                    oldest.remove();
                }
                holds.put(call.holdId(), new Hold(slots, call.usd(), call.tokens(), call.holdUntil()));
            }
            List<WindowCounter> out = new ArrayList<>(call.slots().size());
            for (SlotLimit s : call.slots()) {
                out.add(view(s.account(), s.slot(), call.now()));
            }
            return CompletableFuture.completedFuture(new ReserveReply(granted, out));
        }
    }

    @Override
    public CompletableFuture<List<WindowCounter>> settle(SettleCall call) {
        synchronized (lock) {
            String id = call.holdId();
            if (id != null) {
                Hold hold = holds.remove(id);
                if (hold != null) {
                    release(hold);
                }
            }
            List<WindowCounter> out = new ArrayList<>(call.charge().size());
            for (AccountSlot at : call.charge()) {
                dropEnded(at.account(), call.now());
                counter(at.account(), at.slot()).spend(call.usd(), call.tokens());
                out.add(view(at.account(), at.slot(), call.now()));
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    @Override
    public CompletableFuture<List<WindowCounter>> read(String account, List<WindowSlot> slots, Instant now) {
        synchronized (lock) {
            expireHolds(now);
            List<WindowCounter> out = new ArrayList<>(slots.size());
            Map<WindowSlot, Counter> counters = accounts.getIfPresent(account);
            for (WindowSlot slot : slots) {
                Counter c = counters == null ? null : counters.get(slot);
                out.add(c == null ? WindowCounter.empty(slot) : c.view(slot));
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    /** Adds spend found in the usage log at start-up; see {@link LedgerRebuild}. */
    public void load(String account, WindowSlot slot, BigDecimal usd, long tokens) {
        synchronized (lock) {
            counter(account, slot).spend(usd, tokens);
        }
    }

    /** Calls still holding a reservation whose hold lies in this account (a key id: that key's). */
    public int holdCount(String account) {
        synchronized (lock) {
            int n = 0;
            for (Hold h : holds.values()) {
                if (!h.slots().isEmpty() && h.slots().get(0).account().equals(account)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Accounts whose counters were dropped to stay within the bound. */
    public long evicted() {
        return evicted.sum();
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void close() {
        accounts.invalidateAll();
    }

    private WindowCounter view(String account, WindowSlot slot, Instant now) {
        Map<WindowSlot, Counter> counters = accounts.getIfPresent(account);
        if (counters == null) {
            return WindowCounter.empty(slot);
        }
        // ended slots are never looked up again; they are dropped when a call charges the account (dropEnded)
        Counter c = counters.get(slot);
        return c == null ? WindowCounter.empty(slot) : c.view(slot);
    }

    private Counter counter(String account, WindowSlot slot) {
        return accounts.get(account, a -> new HashMap<>()).computeIfAbsent(slot, s -> new Counter());
    }

    private void dropEnded(String account, Instant now) {
        Map<WindowSlot, Counter> counters = accounts.getIfPresent(account);
        if (counters == null) {
            return;
        }
        for (WindowSlot s : counters.keySet()) {
            // look before removing: nearly always nothing has ended, and removeIf would cost an iterator and a lambda
            if (s.endedBy(now)) {
                counters.keySet().removeIf(x -> x.endedBy(now));
                return;
            }
        }
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

    private void release(Hold hold) {
        for (AccountSlot at : hold.slots()) {
            Map<WindowSlot, Counter> counters = accounts.getIfPresent(at.account());
            @Nullable Counter c = counters == null ? null : counters.get(at.slot());
            if (c != null) {
                c.release(hold.usd(), hold.tokens());
            }
        }
    }

    private record Hold(List<AccountSlot> slots, BigDecimal usd, long tokens, Instant until) {
    }

    /** Mutable sums, guarded by the store's lock. */
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

package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.BudgetLimit;

/**
 * Budget counters in this process ({@code store: local}): exact sums, every future already complete. Money is
 * added up in whole pico-USD ({@code long}, {@link Money#UNIT_SCALE}), which every price of the built-in table
 * comes to; a cost with finer digits or a sum beyond a {@code long} is kept exactly as a {@link BigDecimal} beside
 * it, so no answer ever differs from a decimal sum. One lock guards every counter and hold, so a call's reservation over all its scopes (key, user, tag
 * values, model, global: SPEC 11) is one critical section: two calls can never both take the last of any of them,
 * and a call refused by one scope holds nothing in the others. Spend is lost on exit and rebuilt from the usage log
 * at start-up ({@link LedgerRebuild}).
 *
 * <p>Accounts (one per scope member) are bounded: beyond {@code maxAccounts} the least valuable account's counters
 * are dropped (Caffeine's frequency-aware eviction keeps busy ones) and counted in {@link #evicted()}, since key
 * ids, users and tag values come from client input. An account's counters of windows that have ended are dropped
 * as it is used.
 *
 * <p>A dropped account is remembered ({@link DroppedAccounts}, fixed memory) and, once {@link #rebuildReturning}
 * is on, rebuilt from the usage log when it returns (SPEC 11): its reservations wait while one thread scans the
 * open windows' days for every account returning meanwhile, then run against the rebuilt counters. Calls that
 * settle on a returning account meanwhile count at once and their request ids are kept, so the scan leaves them
 * out and nothing is counted twice; an account being rebuilt is never dropped (weight 0).
 */
public final class LocalBudgetStore implements BudgetStore {
    private static final Logger log = LoggerFactory.getLogger(LocalBudgetStore.class);

    public static final int DEFAULT_MAX_KEYS = 100_000;
    /** Holds beyond which the oldest is released: a bound on memory, far above any real concurrency. */
    static final int MAX_HOLDS = 262_144;

    private final Object lock = new Object();
    private final Cache<String, Account> accounts;
    /** In insertion order, which is expiry order because every hold lives equally long. */
    private final LinkedHashMap<String, Hold> holds = new LinkedHashMap<>();
    private final LongAdder evicted = new LongAdder();
    private final LongAdder rebuilt = new LongAdder();
    private final DroppedAccounts dropped = new DroppedAccounts(DroppedAccounts.DEFAULT_BITS);
    /** Accounts being rebuilt, each with the request ids of the calls charged to it since (concurrent sets). */
    private final Map<String, Set<String>> returning = new HashMap<>();
    /** Of {@link #returning}, those the scan in progress reads. */
    private final Set<String> scanning = new HashSet<>();
    private final List<Waiting> waiting = new ArrayList<>();
    /*
     * The accounts calls used lately, by the identity of their id (a member's calls share one: ScopeMemo), so a call
     * finds its accounts without a cache read; a fixed table of pairs, an account in the pair of its id's hash, new
     * ones first (as ScopeMemo). An account dropped since is not taken from it. One use in RECENT_SAMPLE is still read through
     * the cache, so that its bound keeps dropping the least used accounts. Guarded by the lock.
     */
    private final String[] recentIds = new String[RECENT_SLOTS];
    private final Account[] recentAccounts = new Account[RECENT_SLOTS];
    private @Nullable Rebuild rebuild;
    private @Nullable ExecutorService rebuilder;
    private boolean scanQueued;

    public LocalBudgetStore() {
        this(DEFAULT_MAX_KEYS);
    }

    public LocalBudgetStore(int maxAccounts) {
        if (maxAccounts < 1) {
            throw new IllegalArgumentException("maxKeys: " + maxAccounts + " (expected: >= 1)");
        }
        // the listener runs on the thread that caused the eviction, which holds the lock (executor: the caller)
        this.accounts = Caffeine.newBuilder().maximumWeight(maxAccounts).executor(Runnable::run)
                .<String, Account>weigher((k, v) -> v.pinned ? 0 : 1)
                .<String, Account>removalListener((k, v, cause) -> {
                    if (v != null && cause != RemovalCause.REPLACED) {
                        v.dropped = true; // a hold that kept it charges the account's counters found anew
                    }
                    if (cause == RemovalCause.SIZE && k != null) {
                        evicted.increment();
                        if (v == null || v.first != null) { // an account that counted nothing has nothing to rebuild
                            dropped.add(k, v == null ? null : v.lastEnd());
                        }
                    }
                    if (k != null && v != null && cause != RemovalCause.REPLACED) {
                        forgetRecent(k, v);
                    }
                }).build();
    }

    /**
     * Where a dropped account's spend comes from when it returns: a scan of the usage log for the open windows of
     * the named accounts, leaving out the calls {@code counted} (account, request id) says are counted already.
     * Blocking; called on the store's own rebuild thread.
     */
    @FunctionalInterface
    public interface Rebuild {
        Map<String, Map<WindowSlot, LedgerRebuild.Spend>> spendOf(Set<String> accounts,
                BiPredicate<String, String> counted) throws Exception;
    }

    /** From now on, an account that returns after being dropped is rebuilt by {@code rebuild} before it is checked. */
    public void rebuildReturning(Rebuild rebuild) {
        synchronized (lock) {
            this.rebuild = rebuild;
            if (rebuilder == null) {
                rebuilder = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "tollgate-budget-rebuild");
                    t.setDaemon(true);
                    return t;
                });
            }
        }
    }

    @Override
    public CompletableFuture<ReserveReply> reserve(ReserveCall call) {
        synchronized (lock) {
            if (awaitsRebuild(call)) {
                if (waiting.size() >= MAX_HOLDS) {
                    return CompletableFuture.failedFuture(new IllegalStateException(
                            "budget store: " + waiting.size() + " calls already wait for a rebuild from the log"));
                }
                CompletableFuture<ReserveReply> reply = new CompletableFuture<>();
                waiting.add(new Waiting(call, reply));
                return reply;
            }
            return CompletableFuture.completedFuture(reserveNow(call));
        }
    }

    /**
     * Under the lock, for a call no account of which is being rebuilt. Each slot's account is looked up once (in
     * the table of recent accounts, else a Caffeine read), and a granted hold keeps the counters it reserved in, so
     * its release looks nothing up.
     */
    private ReserveReply reserveNow(ReserveCall call) {
        expireHolds(call.now());
        List<SlotLimit> slots = call.slots();
        int n = slots.size();
        long units = Money.toUnits(call.usd());
        Account[] found = new Account[n];
        boolean granted = true;
        for (int i = 0; i < n; i++) {
            SlotLimit s = slots.get(i);
            Account a = present(s.account());
            found[i] = a;
            Counter c = a == null ? null : a.get(s.slot());
            boolean admits = c == null
                    ? WindowState.admits(s.limit(), BigDecimal.ZERO, BigDecimal.ZERO, 0, 0, call.usd(), call.tokens(),
                            call.hold())
                    : c.admits(s.limit(), call.usd(), units, call.tokens(), call.hold());
            granted &= admits;
        }
        Counter[] held = null;
        if (granted && call.hold()) {
            held = new Counter[n];
            for (int i = 0; i < n; i++) {
                SlotLimit s = slots.get(i);
                // an account that was not there is created now (its creation may drop another: Caffeine's bound)
                Account a = found[i] != null ? found[i] : created(s.account());
                found[i] = a;
                held[i] = a.counter(s.slot());
                held[i].reserve(call.usd(), units, call.tokens());
            }
            if (holds.size() >= MAX_HOLDS) {
                Iterator<Hold> oldest = holds.values().iterator();
                release(oldest.next());
                oldest.remove();
            }
            holds.put(call.holdId(), new Hold(slots, found, held, call.usd(), units, call.tokens(),
                    call.holdUntil()));
        }
        WindowCounter[] out = new WindowCounter[n];
        for (int i = 0; i < n; i++) {
            WindowSlot slot = slots.get(i).slot();
            Counter c = held != null ? held[i] : found[i] == null ? null : found[i].get(slot);
            out[i] = c == null ? WindowCounter.empty(slot) : c.view(slot);
        }
        return new ReserveReply(granted, List.of(out));
    }

    @Override
    public CompletableFuture<List<WindowCounter>> settle(SettleCall call) {
        synchronized (lock) {
            String id = call.holdId();
            Hold hold = id == null ? null : holds.remove(id);
            if (hold != null) {
                release(hold);
            }
            List<AccountSlot> charge = call.charge();
            long units = Money.toUnits(call.usd());
            WindowCounter[] out = new WindowCounter[charge.size()];
            for (int i = 0; i < out.length; i++) {
                AccountSlot at = charge.get(i);
                Set<String> countedLive = returning(at.account(), call.now());
                if (countedLive != null && call.callId() != null) {
                    countedLive.add(call.callId());
                }
                Account a = hold == null ? null : hold.account(i, at);
                if (a == null) {
                    a = created(at.account());
                }
                a.dropEnded(call.now());
                Counter c = a.counter(at.slot());
                c.spend(call.usd(), units, call.tokens());
                out[i] = c.view(at.slot());
            }
            return CompletableFuture.completedFuture(List.of(out));
        }
    }

    @Override
    public CompletableFuture<List<WindowCounter>> read(String account, List<WindowSlot> slots, Instant now) {
        synchronized (lock) {
            expireHolds(now);
            List<WindowCounter> out = new ArrayList<>(slots.size());
            Account counters = accounts.getIfPresent(account);
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
            accounts.get(account, NEW_ACCOUNT).counter(slot).spend(usd, Money.toUnits(usd), tokens);
        }
    }

    /** Calls still holding a reservation whose hold lies in this account (a key id: that key's). */
    public int holdCount(String account) {
        synchronized (lock) {
            int n = 0;
            for (Hold h : holds.values()) {
                if (account.equals(h.anchor())) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Marks an account whose spend the start-up rebuild did not load (beyond the bound): it is rebuilt when it
     * returns, as a dropped one.
     */
    public void markEvicted(String account) {
        synchronized (lock) {
            dropped.add(account, null); // which windows it had is not known here: kept for good
        }
    }

    /** Whether the store keeps counters of this account now (tests). */
    boolean keeps(String account) {
        synchronized (lock) {
            return accounts.asMap().containsKey(account);
        }
    }

    /** Accounts whose counters were dropped to stay within the bound. */
    public long evicted() {
        return evicted.sum();
    }

    /** Returning accounts rebuilt from the log so far. */
    public long rebuilt() {
        return rebuilt.sum();
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void close() {
        ExecutorService r;
        List<Waiting> stranded;
        synchronized (lock) {
            r = rebuilder;
            rebuilder = null;
            stranded = List.copyOf(waiting);
            waiting.clear();
            accounts.invalidateAll();
        }
        if (r != null) {
            r.shutdownNow();
        }
        stranded.forEach(w -> w.reply().completeExceptionally(new IllegalStateException("budget store closed")));
    }

    /**
     * True when one of the call's accounts is being rebuilt, or returns now after being dropped (then its rebuild
     * starts). Under the lock.
     */
    private boolean awaitsRebuild(ReserveCall call) {
        if (rebuild == null) {
            return false;
        }
        boolean waits = false;
        for (SlotLimit s : call.slots()) {
            waits |= returning(s.account(), call.now()) != null;
        }
        return waits;
    }

    /**
     * The request ids counted live on an account being rebuilt; null for an account that is not (the usual case:
     * present, or never dropped). An account dropped earlier starts its rebuild here. Under the lock.
     */
    private @Nullable Set<String> returning(String account, Instant now) {
        if (rebuild == null) {
            return null;
        }
        Set<String> counted = returning.get(account);
        if (counted != null || !dropped.mightContain(account, now) || accounts.getIfPresent(account) != null) {
            return counted;
        }
        counted = ConcurrentHashMap.newKeySet();
        returning.put(account, counted);
        Account pinned = new Account();
        pinned.pinned = true;
        accounts.put(account, pinned);
        if (!scanQueued && rebuilder != null) {
            scanQueued = true;
            rebuilder.execute(this::scan);
        }
        return counted;
    }

    /**
     * On the rebuild thread: reads the log once for every account returning now, adds what it found to their
     * counters, and runs the reservations that waited for them. Accounts that return during the scan wait for the
     * next one.
     */
    private void scan() {
        Map<String, Set<String>> batch = new HashMap<>();
        Rebuild source;
        synchronized (lock) {
            scanQueued = false;
            returning.forEach((account, counted) -> {
                if (scanning.add(account)) {
                    batch.put(account, counted);
                }
            });
            source = rebuild;
            if (batch.isEmpty() || source == null) {
                return;
            }
        }
        Map<String, Map<WindowSlot, LedgerRebuild.Spend>> found = null;
        Exception failure = null;
        try {
            found = source.spendOf(Set.copyOf(batch.keySet()), (account, id) -> {
                Set<String> counted = batch.get(account);
                return counted != null && counted.contains(id);
            });
        } catch (Exception e) {
            failure = e;
            log.error("budget ledger: rebuilding {} returning accounts from the usage log failed; their calls meet "
                    + "budgets.on_store_failure and they count from zero", batch.size(), e);
        }
        List<Runnable> replies = new ArrayList<>();
        synchronized (lock) {
            for (String account : batch.keySet()) {
                returning.remove(account);
                scanning.remove(account);
                Account counters = accounts.getIfPresent(account);
                if (counters == null) {
                    continue;
                }
                Map<WindowSlot, LedgerRebuild.Spend> spend = found == null ? null : found.get(account);
                if (spend != null) {
                    spend.forEach((slot, sp) -> counters.counter(slot).spend(sp.usd(), Money.toUnits(sp.usd()),
                            sp.tokens()));
                }
                counters.pinned = false;
                accounts.put(account, counters); // weighed again: droppable from now on
            }
            if (found != null) {
                rebuilt.add(batch.size());
            }
            List<Waiting> again = new ArrayList<>();
            for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                boolean failed = false;
                boolean ready = true;
                for (SlotLimit s : w.call().slots()) {
                    failed |= failure != null && batch.containsKey(s.account());
                    ready &= !returning.containsKey(s.account());
                }
                if (failed) {
                    it.remove();
                    Exception cause = failure;
                    replies.add(() -> w.reply().completeExceptionally(cause));
                } else if (ready) {
                    it.remove();
                    if (awaitsRebuild(w.call())) {
                        again.add(w); // another of its accounts was dropped meanwhile: it waits for that one
                        continue;
                    }
                    ReserveReply reply = reserveNow(w.call());
                    replies.add(() -> w.reply().complete(reply));
                }
            }
            waiting.addAll(again);
        }
        // outside the lock: the replies continue the calls' admission on this thread
        replies.forEach(Runnable::run);
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

    /**
     * Gives a hold back to the counters it was taken in. A counter dropped since (its account beyond the bound, its
     * window ended) is no longer read, so what it gets back changes nothing.
     */
    private static void release(Hold hold) {
        for (Counter c : hold.counters()) {
            c.release(hold.usd(), hold.units(), hold.tokens());
        }
    }

    /**
     * A call's reservation: the counters it was taken in, and the accounts and slots they belong to, so the call's
     * settlement charges those accounts without looking them up again.
     */
    private record Hold(List<SlotLimit> slots, Account[] accounts, Counter[] counters, BigDecimal usd, long units,
            long tokens, Instant until) {

        /** The account of the call's first slot (null without slots), for {@link #holdCount}. */
        @Nullable String anchor() {
            return slots.isEmpty() ? null : slots.get(0).account();
        }

        /**
         * The account this hold took its {@code i}-th slot in, when the settlement charges that same slot of that
         * same account (the window has not rolled over) and the account is still the store's; else null.
         */
        @Nullable Account account(int i, AccountSlot charge) {
            if (i >= accounts.length) {
                return null;
            }
            SlotLimit s = slots.get(i);
            Account a = accounts[i];
            return s.slot() == charge.slot() && s.account().equals(charge.account()) && !a.dropped ? a : null;
        }
    }

    /** The store's account of {@code id}, or null. Under the lock. */
    private @Nullable Account present(String id) {
        int i = recentPair(id);
        Account a = recentIds[i] == id ? recentAccounts[i] : recentIds[i + 1] == id ? recentAccounts[i + 1] : null;
        if (a != null && !a.dropped) {
            if (++a.uses % RECENT_SAMPLE == 0) {
                accounts.getIfPresent(id); // a use the bound's policy sees
            }
            return a;
        }
        a = accounts.getIfPresent(id);
        if (a != null) {
            remember(i, id, a);
        }
        return a;
    }

    /** The store's account of {@code id}, created now if it has none. Under the lock. */
    private Account created(String id) {
        Account a = present(id);
        if (a == null) {
            a = accounts.get(id, NEW_ACCOUNT);
            remember(recentPair(id), id, a);
        }
        return a;
    }

    /** Puts an account first in its pair of recent ones (the first moves to second place). Under the lock. */
    private void remember(int pair, String id, Account a) {
        if (recentIds[pair] != id) {
            recentIds[pair + 1] = recentIds[pair];
            recentAccounts[pair + 1] = recentAccounts[pair];
            recentIds[pair] = id;
            recentAccounts[pair] = a;
        }
    }

    private static int recentPair(String id) {
        int h = id.hashCode();
        return (h ^ (h >>> 16)) & (RECENT_SLOTS - 2);
    }

    /** Lets go of a dropped account kept in the table of recent ones (the listener runs under the lock). */
    private void forgetRecent(String id, Account a) {
        int i = recentPair(id);
        for (int k = i; k <= i + 1; k++) {
            if (recentAccounts[k] == a) {
                recentIds[k] = null;
                recentAccounts[k] = null;
            }
        }
    }

    static final int RECENT_SLOTS = 1 << 16;
    static final int RECENT_SAMPLE = 8;

    /** A reservation waiting for a returning account's rebuild. */
    private record Waiting(ReserveCall call, CompletableFuture<ReserveReply> reply) {
    }

    private static final Function<String, Account> NEW_ACCOUNT = a -> new Account();

    /**
     * One account's counters by window instance, pinned (never dropped) while it is being rebuilt. A few counters
     * (one per window its budgets name, until an ended one is dropped), linked from the account, each with its slot,
     * searched by slot identity first: {@link BudgetWindows#slot} hands every call the same slot while it lasts, so
     * a look-up neither hashes a slot nor allocates, and reaching an account's counter touches two objects (for one
     * of thousands of users, two cache misses rather than four through arrays). Guarded by the store's lock.
     */
    private static final class Account {
        private @Nullable Counter first;
        private boolean pinned;
        /** Set once the store no longer keeps this account (dropped beyond the bound, or the store closed). */
        private boolean dropped;
        /** Uses found through the store's table of recent accounts (for {@link #RECENT_SAMPLE}). */
        private int uses;

        @Nullable Counter get(WindowSlot slot) {
            for (Counter c = first; c != null; c = c.next) {
                if (c.slot == slot) {
                    return c;
                }
            }
            for (Counter c = first; c != null; c = c.next) {
                if (c.slot.equals(slot)) {
                    return c;
                }
            }
            return null;
        }

        /** The latest end of the windows it has counters in; null when one of them never ends. */
        @Nullable Instant lastEnd() {
            Instant last = Instant.MIN;
            for (Counter c = first; c != null; c = c.next) {
                Instant end = c.slot.end();
                if (end == null) {
                    return null;
                }
                if (end.isAfter(last)) {
                    last = end;
                }
            }
            return last;
        }

        /** The slot's counter, created at zero if it has none. */
        Counter counter(WindowSlot slot) {
            Counter c = get(slot);
            if (c == null) {
                c = new Counter(slot, first);
                first = c;
            }
            return c;
        }

        /** Drops the counters of slots ended by {@code now}: they are never looked up again. */
        void dropEnded(Instant now) {
            Counter kept = null;
            for (Counter c = first; c != null; c = c.next) {
                if (c.slot.endedBy(now)) {
                    if (kept == null) {
                        first = c.next;
                    } else {
                        kept.next = c.next;
                    }
                } else {
                    kept = c;
                }
            }
        }
    }

    /**
     * Mutable sums, guarded by the store's lock. Money in whole pico-USD; what does not fit (a cost of
     * {@link Money#NO_UNITS}, a sum past a {@code long}) is added exactly to the rest beside it, null while none.
     */
    private static final class Counter {
        private final WindowSlot slot;
        /** The account's next counter. */
        private @Nullable Counter next;
        private long spent;
        private long reserved;
        private @Nullable BigDecimal spentRest;
        private @Nullable BigDecimal reservedRest;
        private long spentTokens;
        private long reservedTokens;
        /** The USD limit last checked here and its lines in pico-USD: a counter meets one config's limit call after call. */
        private @Nullable BigDecimal linesOf;
        private long holdLine;
        private long checkLine;

        Counter(WindowSlot slot, @Nullable Counter next) {
            this.slot = slot;
            this.next = next;
        }

        /** {@link WindowState#admits} of this counter, in {@code long}s when every amount is in whole units. */
        boolean admits(BudgetLimit limit, BigDecimal usd, long units, long tokens, boolean hold) {
            BigDecimal max = limit.usd();
            if (max != null) {
                if (spentRest != null || reservedRest != null || units == Money.NO_UNITS) {
                    return slowAdmits(limit, usd, tokens, hold);
                }
                if (max != linesOf) {
                    holdLine = Money.unitsWithin(max);
                    checkLine = Money.unitsBelow(max);
                    linesOf = max;
                }
                long sum = spent + reserved + units; // each >= 0: a sum past a long comes out negative
                if (hold && (sum < 0 || spent + reserved < 0)) {
                    return slowAdmits(limit, usd, tokens, hold);
                }
                if (hold ? sum > holdLine : spent > checkLine) {
                    return false;
                }
            }
            return !WindowState.tokensBlock(limit.tokens(), spentTokens, reservedTokens, tokens, hold);
        }

        private boolean slowAdmits(BudgetLimit limit, BigDecimal usd, long tokens, boolean hold) {
            return WindowState.admits(limit, spentUsd(), reservedUsd(), spentTokens, reservedTokens, usd, tokens, hold);
        }

        /** @param units {@code usd} in pico-USD, or {@link Money#NO_UNITS} */
        void reserve(BigDecimal usd, long units, long tokens) {
            if (fits(units, reserved + units)) {
                reserved += units;
            } else {
                reservedRest = plus(reservedRest, usd);
            }
            reservedTokens += tokens;
        }

        void release(BigDecimal usd, long units, long tokens) {
            if (units != Money.NO_UNITS && reserved >= units) {
                reserved -= units;
            } else {
                // taken from the rest, or from both: the exact difference, split again
                BigDecimal left = reservedUsd().subtract(usd).max(BigDecimal.ZERO);
                long u = Money.toUnits(left);
                reserved = u == Money.NO_UNITS ? 0 : u;
                reservedRest = u == Money.NO_UNITS ? left : null;
            }
            reservedTokens = Math.max(0, reservedTokens - tokens);
        }

        void spend(BigDecimal usd, long units, long tokens) {
            if (fits(units, spent + units)) {
                spent += units;
            } else {
                spentRest = plus(spentRest, usd);
            }
            spentTokens = Math.addExact(spentTokens, tokens);
        }

        /** Whether a cost of {@code units} added to a sum (>= 0) is {@code sum} (a sum past a long is negative). */
        private static boolean fits(long units, long sum) {
            return units != Money.NO_UNITS && sum >= 0;
        }

        private static BigDecimal plus(@Nullable BigDecimal rest, BigDecimal usd) {
            return rest == null ? usd : rest.add(usd);
        }

        /*
         * Made anew for each view, not kept: a kept amount of a rarely used account (one user of thousands) is a
         * cache miss when next shown, dearer than the small allocation (async-profiler, LedgerBenchmark).
         */
        BigDecimal spentUsd() {
            return exact(spent, spentRest);
        }

        BigDecimal reservedUsd() {
            return exact(reserved, reservedRest);
        }

        private static BigDecimal exact(long units, @Nullable BigDecimal rest) {
            BigDecimal whole = Money.fromUnits(units);
            return rest == null ? whole : whole.add(rest);
        }

        WindowCounter view(WindowSlot slot) {
            if (spentRest == null && reservedRest == null) {
                return WindowCounter.ofUnits(slot, spent, reserved, spentTokens, reservedTokens);
            }
            return new WindowCounter(slot, spentUsd(), reservedUsd(), spentTokens, reservedTokens);
        }
    }
}

package tollgate.metering.budget;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tollgate.config.BudgetLimit;

/**
 * Budget counters in Redis ({@code store: redis://host:6379}), so any number of replicas enforce one budget
 * (SPEC 7). Each reserve and settle is one Lua script ({@link RedisScripts}) over the counters of every scope the
 * call must fit (SPEC 11), run by EVALSHA with a fallback to
 * EVAL when Redis has not cached it. Counters are hashes {@code tollgate:budget:{account}:<window>:<start epoch s>}
 * ({@link BudgetScope#account()}: the key id for a key, {@code #user:…}, {@code #tag:…}, {@code #model:…},
 * {@code #global})
 * in whole nano-USD (a cost is rounded up to the next nano-USD: at most 10^-9 USD per call, never under-counted),
 * expiring an hour after their window ends; holds expire after the ledger's hold TTL even if their replica died.
 *
 * <p>Commands time out after {@code timeout} and fail at once while disconnected (Lettuce reconnects in the
 * background), so a slow or absent Redis turns into a failed future for {@code on_store_failure} rather than a
 * stalled call. Futures complete on Lettuce's I/O threads.
 */
public final class RedisBudgetStore implements BudgetStore, RateStore {

    private static final Logger log = LoggerFactory.getLogger(RedisBudgetStore.class);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    /** Counters outlive their window by this much: replicas' clocks differ a little, and late settles still land. */
    static final Duration COUNTER_MARGIN = Duration.ofHours(1);
    /** Commands waiting for Redis beyond this fail at once (Lettuce's request queue). */
    private static final int MAX_QUEUED = 10_000;
    private static final long MAX_RECONNECT_DELAY_MILLIS = 30_000;
    /** How long a failed settle is retried. */
    static final Duration SETTLE_RETRY_HORIZON = Duration.ofMinutes(5);
    /** A settle's mark outlives its last retry (the horizon, then one more attempt and its timeout). */
    static final Duration SETTLE_MARKER_LIFETIME = SETTLE_RETRY_HORIZON.plusMinutes(1);
    static final int MAX_PENDING_SETTLES = 10_000;
    private static final long MAX_SETTLE_RETRY_DELAY_MILLIS = 10_000;

    private final RedisClient client;
    private final RedisURI uri;
    private final String name;
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private volatile @Nullable StatefulRedisConnection<String, String> connection;
    private volatile boolean closed;
    /** Names the markers of settles without a hold; unique across replicas. */
    private final IdSequence settleIds = IdSequence.random();
    private final AtomicInteger pendingSettles = new AtomicInteger();
    private final AtomicLong lostSettles = new AtomicLong();
    private final AtomicLong lastLostLogNanos = new AtomicLong();

    private RedisBudgetStore(RedisURI uri, Duration timeout) {
        this.uri = uri;
        this.name = (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(MAX_QUEUED)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout.multipliedBy(4)).build())
                .build());
    }

    /** Starts connecting in the background and returns at once; calls fail until {@link #connected()} completes. */
    public static RedisBudgetStore connect(URI redisUri, Duration timeout) {
        RedisBudgetStore store = new RedisBudgetStore(RedisURI.create(redisUri), timeout);
        store.connectAttempt(0);
        return store;
    }

    public static RedisBudgetStore connect(URI redisUri) {
        return connect(redisUri, DEFAULT_TIMEOUT);
    }

    /** Completes when the first connection is up (for readiness); never fails, retries with back-off instead. */
    public CompletableFuture<Void> connected() {
        return connected.copy();
    }

    @Override
    public CompletableFuture<ReserveReply> reserve(ReserveCall call) {
        List<String> keys = holdKeys(call.keyId());
        List<String> args = new ArrayList<>(List.of(millis(call.now()), call.hold() ? "1" : "0", call.holdId(),
                millis(call.holdUntil()), nano(call.usd()), Long.toString(call.tokens()),
                millis(call.holdUntil().plus(COUNTER_MARGIN))));
        for (SlotLimit s : call.slots()) {
            keys.add(counterKey(s.account(), s.slot()));
            BudgetLimit limit = s.limit();
            args.add(limit.usd() == null ? "-1" : Long.toString(Money.toNanoFloor(limit.usd())));
            args.add(limit.tokens() == null ? "-1" : Long.toString(limit.tokens()));
            args.add(expireAt(s.slot()));
        }
        return this.<List<Object>>run(RedisScripts.RESERVE, keys, args).handle((reply, failure) -> {
            if (failure != null) {
                if (call.hold() && unwrap(failure) instanceof RedisCommandTimeoutException) {
                    // the script may still run once Redis answers again; a release queued behind it undoes the hold
                    settle(new SettleCall(call.keyId(), call.holdId(), List.of(), BigDecimal.ZERO, 0, call.now()));
                }
                throw new CompletionException(failed("reserve", failure));
            }
            List<WindowCounter> counters = new ArrayList<>(call.slots().size());
            for (int i = 0; i < call.slots().size(); i++) {
                counters.add(counter(call.slots().get(i).slot(), reply, 1 + 4 * i));
            }
            return new ReserveReply(Long.parseLong(String.valueOf(reply.get(0))) == 1, counters);
        });
    }

    /**
     * Releases the call's hold and charges its cost in one script. One that fails (timed out, not connected,
     * refused) fails the future, so the ledger reports it, and is retried in the background with back-off for
     * {@link #SETTLE_RETRY_HORIZON}: a settle is the only record Redis gets of money already spent. The script
     * charges once however often it runs ({@link RedisScripts#SETTLE}). At most {@link #MAX_PENDING_SETTLES} wait;
     * past that, or past the horizon, or when the store closes, the settle is given up with a WARN line (its hold,
     * if any, expires after the hold TTL).
     */
    @Override
    public CompletableFuture<List<WindowCounter>> settle(SettleCall call) {
        // what charges is marked, by its hold's id (unique) or an id of its own: a retry finds the mark and charges
        // nothing, whether its hold is still there or expired meanwhile
        String marker = call.charge().isEmpty() ? null : accountPrefix(call.keyId()) + "settled:"
                + (call.holdId() != null ? call.holdId() : settleIds.next());
        return settleOnce(call, marker).handle((counters, failure) -> {
            if (failure != null) {
                retrySettle(call, marker);
                throw new CompletionException(failed("settle", failure));
            }
            return counters;
        });
    }

    /** Settles not yet known to have reached Redis, being retried. */
    int pendingSettles() {
        return pendingSettles.get();
    }

    private CompletableFuture<List<WindowCounter>> settleOnce(SettleCall call, @Nullable String marker) {
        List<String> keys = holdKeys(call.keyId());
        keys.add(marker == null ? accountPrefix(call.keyId()) + "settled" : marker);
        String holdId = call.holdId();
        List<String> args = new ArrayList<>(List.of(holdId == null ? "" : holdId, nano(call.usd()),
                Long.toString(call.tokens()), marker == null ? "-1" : Long.toString(SETTLE_MARKER_LIFETIME.toMillis())));
        for (AccountSlot at : call.charge()) {
            keys.add(counterKey(at.account(), at.slot()));
            args.add(expireAt(at.slot()));
        }
        return this.<List<Object>>run(RedisScripts.SETTLE, keys, args).thenApply(reply -> {
            List<WindowCounter> counters = new ArrayList<>(call.charge().size());
            for (int i = 0; i < call.charge().size(); i++) {
                counters.add(counter(call.charge().get(i).slot(), reply, 4 * i));
            }
            return counters;
        });
    }

    private void retrySettle(SettleCall call, @Nullable String marker) {
        if (pendingSettles.incrementAndGet() > MAX_PENDING_SETTLES) {
            pendingSettles.decrementAndGet();
            giveUp(call, MAX_PENDING_SETTLES + " settles already wait for Redis");
            return;
        }
        retrySettle(call, marker, System.nanoTime(), 0);
    }

    private void retrySettle(SettleCall call, @Nullable String marker, long firstFailedNanos, int attempt) {
        long delay = Math.min(MAX_SETTLE_RETRY_DELAY_MILLIS, 250L << Math.min(attempt, 10));
        CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> {
            if (closed) {
                pendingSettles.decrementAndGet();
                giveUp(call, "the store closed");
                return;
            }
            long late = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstFailedNanos);
            settleOnce(call, marker).whenComplete((counters, failure) -> {
                if (failure == null) {
                    pendingSettles.decrementAndGet();
                } else if (late + delay >= SETTLE_RETRY_HORIZON.toMillis()) {
                    pendingSettles.decrementAndGet();
                    giveUp(call, "Redis failed it for " + SETTLE_RETRY_HORIZON.toMinutes() + " minutes ("
                            + unwrap(failure) + ")");
                } else {
                    retrySettle(call, marker, firstFailedNanos, attempt + 1);
                }
            });
        });
    }

    /** Logged at most every ten seconds with the count since, as an outage gives up every call's settle. */
    private void giveUp(SettleCall call, String why) {
        long lost = lostSettles.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLostLogNanos.get();
        if (lost == 1 || now - last >= TimeUnit.SECONDS.toNanos(10) && lastLostLogNanos.compareAndSet(last, now)) {
            lastLostLogNanos.set(now);
            log.warn("budget store {}: a settle of {} USD was not counted: {} ({} settles given up since start;"
                    + " the usage log has every call)", name, call.usd().toPlainString(), why, lost);
        }
    }

    @Override
    public CompletableFuture<List<WindowCounter>> read(String keyId, List<WindowSlot> slots, Instant now) {
        List<String> keys = holdKeys(keyId);
        for (WindowSlot slot : slots) {
            keys.add(counterKey(keyId, slot));
        }
        return this.<List<Object>>run(RedisScripts.READ, keys, List.of(millis(now))).handle((reply, failure) -> {
            if (failure != null) {
                throw new CompletionException(failed("read", failure));
            }
            List<WindowCounter> counters = new ArrayList<>(slots.size());
            for (int i = 0; i < slots.size(); i++) {
                counters.add(counter(slots.get(i), reply, 4 * i));
            }
            return counters;
        });
    }

    @Override
    public CompletableFuture<Taken> take(List<Draw> draws, long now) {
        List<String> keys = new ArrayList<>(draws.size());
        List<String> args = rateArgs(keys, draws, now);
        // a take that timed out may still run once Redis answers: it is not undone, so at worst one call's units
        // stay counted until its bucket refills (under a minute), never a budget's money
        return this.<List<Object>>run(RedisScripts.RATE_TAKE, keys, args).handle((reply, failure) -> {
            if (failure != null) {
                throw new CompletionException(failed("rate limit", failure));
            }
            long[] before = new long[draws.size()];
            for (int i = 0; i < before.length; i++) {
                before[i] = Long.parseLong(String.valueOf(reply.get(i + 1)));
            }
            return new Taken(Long.parseLong(String.valueOf(reply.get(0))) == 1, before);
        });
    }

    @Override
    public CompletableFuture<Void> adjust(List<Draw> draws, long now) {
        List<String> keys = new ArrayList<>(draws.size());
        List<String> args = rateArgs(keys, draws, now);
        return this.<List<Object>>run(RedisScripts.RATE_ADJUST, keys, args).handle((reply, failure) -> {
            if (failure != null) {
                throw new CompletionException(failed("rate limit settle", failure));
            }
            return null;
        });
    }

    /** Adds each draw's bucket to {@code keys}; per bucket: now in its ticks, the units' ticks, a minute's ticks. */
    private static List<String> rateArgs(List<String> keys, List<Draw> draws, long nowMicros) {
        List<String> args = new ArrayList<>(3 * draws.size());
        for (Draw d : draws) {
            keys.add(d.bucket());
            args.add(Long.toString(RateBucket.ticks(nowMicros, d.perMinute())));
            args.add(Long.toString(RateBucket.span(d.units(), d.perMinute())));
            args.add(Long.toString(RateBucket.minute(d.perMinute())));
        }
        return args;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        // a quiet period lets Netty run the tasks that release buffers of a connection closing now
        client.shutdown(Duration.ofMillis(100), Duration.ofSeconds(2));
    }

    private void connectAttempt(int attempt) {
        if (closed) {
            return;
        }
        client.connectAsync(StringCodec.UTF8, uri).whenComplete((c, failure) -> {
            if (failure == null) {
                if (closed) {
                    c.closeAsync();
                    return;
                }
                connection = c;
                connected.complete(null);
                log.info("budget store {} connected", name);
                return;
            }
            long delay = Math.min(MAX_RECONNECT_DELAY_MILLIS, 250L << Math.min(attempt, 10));
            if (attempt == 0 || delay == MAX_RECONNECT_DELAY_MILLIS && attempt % 10 == 0) {
                log.warn("budget store {} not reachable ({}); retrying in the background", name,
                        unwrap(failure).toString());
            }
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(() -> connectAttempt(attempt + 1));
        });
    }

    private <T> CompletableFuture<T> run(RedisScripts.Script script, List<String> keys, List<String> args) {
        RedisAsyncCommands<String, String> commands;
        try {
            commands = commands();
        } catch (BudgetStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
        String[] k = keys.toArray(String[]::new);
        String[] a = args.toArray(String[]::new);
        return commands.<T>evalsha(script.sha1(), ScriptOutputType.MULTI, k, a).toCompletableFuture()
                .exceptionallyCompose(failure -> unwrap(failure) instanceof RedisNoScriptException
                        ? commands.<T>eval(script.source(), ScriptOutputType.MULTI, k, a).toCompletableFuture()
                        : CompletableFuture.failedFuture(failure));
    }

    private RedisAsyncCommands<String, String> commands() {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null) {
            throw new BudgetStoreException(name + ": not connected (yet)");
        }
        return c.async();
    }

    private BudgetStoreException failed(String operation, Throwable failure) {
        Throwable cause = unwrap(failure);
        return cause instanceof BudgetStoreException b ? b
                : new BudgetStoreException(name + ": " + operation + " failed: " + cause, cause);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while (c instanceof CompletionException && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private static List<String> holdKeys(String account) {
        String prefix = accountPrefix(account);
        return new ArrayList<>(List.of(prefix + "holds", prefix + "hold"));
    }

    private static String accountPrefix(String account) {
        return "tollgate:budget:{" + account + "}:";
    }

    static String counterKey(String account, WindowSlot slot) {
        return "tollgate:budget:{" + account + "}:" + slot.window().id() + ":" + slot.start().getEpochSecond();
    }

    private static WindowCounter counter(WindowSlot slot, List<Object> values, int offset) {
        return new WindowCounter(slot, Money.fromNano(longAt(values, offset)),
                Money.fromNano(longAt(values, offset + 1)), longAt(values, offset + 2), longAt(values, offset + 3));
    }

    /** Never below zero: a counter that expired while holds were out could otherwise read negative. */
    private static long longAt(List<Object> values, int i) {
        return Math.max(0, Long.parseLong(String.valueOf(values.get(i))));
    }

    private static String expireAt(WindowSlot slot) {
        Instant end = slot.end();
        return end == null ? "-1" : millis(end.plus(COUNTER_MARGIN));
    }

    private static String millis(Instant t) {
        return Long.toString(t.toEpochMilli());
    }

    private static String nano(BigDecimal usd) {
        return Long.toString(Money.toNanoCeiling(usd));
    }
}

package tollgate.metering.budget;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import tollgate.config.BudgetLimit;
import tollgate.config.BudgetsConfig;

/**
 * Where budget counters live: in this process ({@link LocalBudgetStore}) or in Redis, shared by every replica
 * ({@link RedisBudgetStore}). Each operation is atomic across all the windows of all the scopes it names (a key,
 * a user, a tag value, a model, global: SPEC 11), so concurrent calls can
 * never both take the last of a budget. Futures complete off the caller's thread or at once; a store that cannot
 * answer completes them exceptionally and the ledger applies {@code on_store_failure}.
 */
public interface BudgetStore extends AutoCloseable {

    /**
     * The store {@code budgets.store} names: in this process for {@code local}, else Redis (connecting in the
     * background; calls fail into {@code on_store_failure} until it is up).
     */
    static BudgetStore open(BudgetsConfig config) {
        return open(config, LocalBudgetStore.DEFAULT_MAX_KEYS);
    }

    /** {@link #open(BudgetsConfig)}, keeping at most {@code localAccounts} accounts in this process. */
    static BudgetStore open(BudgetsConfig config, int localAccounts) {
        URI redis = config.redisUri();
        return redis == null ? new LocalBudgetStore(localAccounts) : RedisBudgetStore.connect(redis);
    }

    /**
     * Checks the call against every slot's limit and, when it is a hold, reserves its worst case in all of them.
     * A hold is granted when spent + reserved + worst case stays within each limit (USD and tokens); a check
     * without hold (mode {@code after}) is granted while spent is below each limit. Holds that passed their
     * {@link ReserveCall#holdUntil()} are released first.
     */
    CompletableFuture<ReserveReply> reserve(ReserveCall call);

    /**
     * Drops the hold named by the call, if the store still has it (nothing is released twice), and adds the cost
     * to the charge slots.
     *
     * @return the charge slots' counters after the charge, in the call's order
     */
    CompletableFuture<List<WindowCounter>> settle(SettleCall call);

    /**
     * The counters of a key's slots, zero where nothing was counted, after releasing holds that expired by
     * {@code now} (so an admin view does not show a dead replica's reservations).
     */
    CompletableFuture<List<WindowCounter>> read(String keyId, List<WindowSlot> slots, Instant now);

    /** How the store is named in messages and logs, without credentials: {@code local}, {@code redis://host:6379}. */
    String name();

    @Override
    void close();

    /** One scope's counter of one window instance: {@link BudgetScope#account()} and the slot. */
    record AccountSlot(String account, WindowSlot slot) {
    }

    /** A limit applied to one scope's slot. */
    record SlotLimit(String account, WindowSlot slot, BudgetLimit limit) {
        public SlotLimit {
            if (slot.window() != limit.window()) {
                throw new IllegalArgumentException("slot: " + slot.window().id() + " (expected: " + limit.window().id()
                        + ")");
            }
        }
    }

    /**
     * A check, and in mode {@code reserve} a hold, of one call's worst case, in the slots of every scope it must fit
     * at once.
     *
     * @param keyId the account that keeps the hold (the call's first scope; a key id when the key has a budget)
     * @param hold true to reserve (mode {@code reserve}); false only to check spent against limits (mode {@code after})
     * @param holdId names the hold for {@link SettleCall#holdId()}; unique across replicas
     * @param holdUntil when a hold that was never settled (a crashed replica) is released by the store
     */
    record ReserveCall(String keyId, List<SlotLimit> slots, BigDecimal usd, long tokens, boolean hold, String holdId,
            Instant now, Instant holdUntil) {
        public ReserveCall {
            slots = List.copyOf(slots);
            if (usd.signum() < 0 || tokens < 0) {
                throw new IllegalArgumentException("worst case: " + usd.toPlainString() + " USD, " + tokens
                        + " tokens (expected: >= 0)");
            }
        }
    }

    /**
     * @param counters each slot's counters, in the call's order: after the hold when granted, as found when not
     */
    record ReserveReply(boolean granted, List<WindowCounter> counters) {
        public ReserveReply {
            counters = List.copyOf(counters);
        }
    }

    /**
     * Ends a call: releases its hold (null when nothing was held) and charges its real cost.
     *
     * @param keyId the account that keeps the hold (as it was reserved)
     * @param charge the slots to charge: those of the call's scopes' windows current at its end
     * @param callId the call's {@code request_id} in the usage log, when it has a record: a store that rebuilds
     *               spend from the log tells by it which calls it has counted already
     */
    record SettleCall(String keyId, @Nullable String holdId, List<AccountSlot> charge, BigDecimal usd, long tokens,
            Instant now, @Nullable String callId) {
        public SettleCall {
            charge = List.copyOf(charge);
            if (usd.signum() < 0 || tokens < 0) {
                throw new IllegalArgumentException("cost: " + usd.toPlainString() + " USD, " + tokens
                        + " tokens (expected: >= 0)");
            }
        }

        public SettleCall(String keyId, @Nullable String holdId, List<AccountSlot> charge, BigDecimal usd, long tokens,
                Instant now) {
            this(keyId, holdId, charge, usd, tokens, now, null);
        }
    }
}

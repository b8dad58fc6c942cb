package tollgate.metering.budget;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Budget counters in this process ({@code store: local}): exact {@link BigDecimal} sums, one lock per key, every
 * future already complete. Spend is lost on exit and rebuilt from the usage log at start-up ({@link LedgerRebuild}).
 *
 * <p>Keys are bounded: beyond {@code maxKeys} the least valuable key's counters are dropped (Caffeine's
 * frequency-aware eviction keeps busy keys), since key ids come from client input when keys are not required.
 * A key's counters of windows that have ended are dropped as the key is used.
 */
public final class LocalBudgetStore implements BudgetStore {

    public static final int DEFAULT_MAX_KEYS = 100_000;

    private final Cache<String, KeyAccount> accounts;

    public LocalBudgetStore() {
        this(DEFAULT_MAX_KEYS);
    }

    public LocalBudgetStore(int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: >= 1)");
        }
        this.accounts = Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build();
    }

    @Override
    public CompletableFuture<ReserveReply> reserve(ReserveCall call) {
        return CompletableFuture.completedFuture(account(call.keyId()).reserve(call));
    }

    @Override
    public CompletableFuture<List<WindowCounter>> settle(SettleCall call) {
        return CompletableFuture.completedFuture(account(call.keyId()).settle(call));
    }

    @Override
    public CompletableFuture<List<WindowCounter>> read(String keyId, List<WindowSlot> slots, Instant now) {
        @Nullable KeyAccount account = accounts.getIfPresent(keyId);
        if (account != null) {
            return CompletableFuture.completedFuture(account.read(slots, now));
        }
        List<WindowCounter> empty = new ArrayList<>(slots.size());
        for (WindowSlot slot : slots) {
            empty.add(WindowCounter.empty(slot));
        }
        return CompletableFuture.completedFuture(empty);
    }

    /** Adds spend found in the usage log at start-up; see {@link LedgerRebuild}. */
    public void load(String keyId, WindowSlot slot, BigDecimal usd, long tokens) {
        account(keyId).load(slot, usd, tokens);
    }

    /** Calls of this key still holding a reservation. */
    public int holdCount(String keyId) {
        @Nullable KeyAccount account = accounts.getIfPresent(keyId);
        return account == null ? 0 : account.holdCount();
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void close() {
        accounts.invalidateAll();
    }

    private KeyAccount account(String keyId) {
        return accounts.get(keyId, k -> new KeyAccount());
    }
}

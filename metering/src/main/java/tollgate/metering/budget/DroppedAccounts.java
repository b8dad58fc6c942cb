package tollgate.metering.budget;

import java.time.Instant;
import java.util.BitSet;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The accounts whose counters {@link LocalBudgetStore} dropped to stay within its bound, remembered in fixed memory
 * (Bloom filters): an account that is not here was never dropped, or its windows have all ended since, and starts
 * from zero; one that may be here is rebuilt from the usage log before its calls are checked. False positives only
 * cost a needless log scan; there are no false negatives while any window the account had is open.
 *
 * <p>An account is filed by the latest end of the windows it had counters in, in generations of
 * {@link #GENERATION_SECONDS}; a generation is forgotten once all its windows have ended (the spend in them can no
 * longer count), so the filters do not fill up over a long run with many users, which would make nearly every new
 * user look dropped and wait for a log scan. Accounts with a window that never ends ({@code total}), or whose
 * windows are not known (beyond the start-up rebuild's bound), are kept in a filter of their own for good.
 * Not thread-safe: guarded by the store's lock.
 */
final class DroppedAccounts {

    /** 2^23 bits (1 MiB) a filter: about 2 % false positives after a million dropped accounts in one. */
    static final int DEFAULT_BITS = 1 << 23;
    /** Longer than any window that ends (a month), so at most two generations are open at once. */
    static final long GENERATION_SECONDS = 32L * 86_400;
    private static final int HASHES = 4;

    private final int size;
    /** By generation: accounts whose windows all end by {@code (generation + 1) × GENERATION_SECONDS}. */
    private final TreeMap<Long, BitSet> generations = new TreeMap<>();
    /** The first key of {@link #generations} (MAX_VALUE when empty), so a check prunes only when one has ended. */
    private long firstGeneration = Long.MAX_VALUE;
    private @Nullable BitSet forever;

    DroppedAccounts(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: a power of two)");
        }
        this.size = size;
    }

    /**
     * @param lastEnd the latest end of the windows the account had counters in; null when one never ends or they
     *                are not known
     */
    void add(String account, @Nullable Instant lastEnd) {
        BitSet bits;
        if (lastEnd == null) {
            if (forever == null) {
                forever = new BitSet(size);
            }
            bits = forever;
        } else {
            long generation = Math.floorDiv(lastEnd.getEpochSecond() - 1, GENERATION_SECONDS);
            bits = generations.computeIfAbsent(generation, g -> new BitSet(size));
            firstGeneration = Math.min(firstGeneration, generation);
        }
        long h = hash(account);
        for (int i = 0; i < HASHES; i++) {
            bits.set(index(h, i));
        }
    }

    /** True when the account may have been dropped with a window still open at {@code now}. */
    boolean mightContain(String account, Instant now) {
        // generations whose windows have all ended by now are of no use any more; this runs for every account of
        // every budgeted call, so it allocates nothing unless one has (no sub-map view, no boxed key)
        long current = Math.floorDiv(now.getEpochSecond(), GENERATION_SECONDS);
        if (firstGeneration < current) {
            generations.headMap(current, false).clear();
            firstGeneration = generations.isEmpty() ? Long.MAX_VALUE : generations.firstKey();
        }
        if (forever == null && generations.isEmpty()) {
            return false;
        }
        long h = hash(account);
        if (forever != null && contains(forever, h)) {
            return true;
        }
        for (BitSet bits : generations.values()) {
            if (contains(bits, h)) {
                return true;
            }
        }
        return false;
    }

    /** Filters held now (tests). */
    int filters() {
        return generations.size() + (forever == null ? 0 : 1);
    }

    private boolean contains(BitSet bits, long h) {
        for (int i = 0; i < HASHES; i++) {
            if (!bits.get(index(h, i))) {
                return false;
            }
        }
        return true;
    }

    /** Double hashing (Kirsch and Mitzenmacher): the i-th index from the two halves of one 64-bit hash. */
    private int index(long h, int i) {
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        return (h1 + i * h2) & (size - 1);
    }

    /** 64-bit FNV-1a over the chars, then a finalizing mix so both halves spread. */
    private static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }
}

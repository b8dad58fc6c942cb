package tollgate.metering.budget;

import java.util.BitSet;

/**
 * The accounts whose counters {@link LocalBudgetStore} dropped to stay within its bound, remembered in fixed memory
 * (a Bloom filter): an account that is not here was never dropped and starts from zero; one that may be here is
 * rebuilt from the usage log before its calls are checked. False positives only cost a needless log scan; there
 * are no false negatives. Not thread-safe: guarded by the store's lock.
 */
final class DroppedAccounts {

    /** 2^23 bits (1 MiB): about 2 % false positives after a million dropped accounts. */
    static final int DEFAULT_BITS = 1 << 23;
    private static final int HASHES = 4;

    private final BitSet bits;
    private final int size;
    private boolean any;

    DroppedAccounts(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: a power of two)");
        }
        this.size = size;
        this.bits = new BitSet(size);
    }

    void add(String account) {
        long h = hash(account);
        for (int i = 0; i < HASHES; i++) {
            bits.set(index(h, i));
        }
        any = true;
    }

    boolean mightContain(String account) {
        if (!any) {
            return false;
        }
        long h = hash(account);
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

package tollgate.metering.budget;

/**
 * The scopes of one kind of member (keys, users, or the values of one tag) that calls named lately, so a member's
 * next call reuses its {@link BudgetScope}: no scope, store account id or scoped budget built per call, the account
 * id's hash computed once, and what the ledger remembers on the scope (it was seen) still there (bench/RESULTS.md,
 * session 8).
 *
 * <p>Two-way set-associative: a fixed table of {@code slots} entries in pairs, a member in the pair of its hash; a
 * member new to its pair takes its first place, and the entry there moves to the second, replacing the one there.
 * Bounded by construction and read with no bookkeeping; a member not found (never seen, or replaced) gets a new
 * scope, equal to the one it had (see {@link BudgetScopes#USER_SLOTS} for how often that is).
 * Thread-safe: entries are immutable, and a racy read sees a whole entry or another.
 */
final class ScopeMemo {
    private final BudgetScope.Kind kind;
    /** Put before the member in the scope's name: {@code team=} for the values of tag {@code team}, else empty. */
    private final String prefix;
    private final Entry[] table;

    /** @param slots a power of two, at least 2 */
    ScopeMemo(BudgetScope.Kind kind, String prefix, int slots) {
        if (slots < 2 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots: " + slots + " (expected: a power of two, at least 2)");
        }
        this.kind = kind;
        this.prefix = prefix;
        this.table = new Entry[slots];
    }

    /** The scope of {@code member} with {@code budget}: the one remembered when it has that budget, else a new one. */
    CallBudgets.Scoped of(String member, KeyBudget budget) {
        int i = pair(member);
        Entry first = table[i];
        if (first != null && first.is(member, budget)) {
            return first.scoped;
        }
        Entry second = table[i + 1];
        if (second != null && second.is(member, budget)) {
            return second.scoped;
        }
        CallBudgets.Scoped s = new CallBudgets.Scoped(
                new BudgetScope(kind, prefix.isEmpty() ? member : prefix + member), budget);
        table[i + 1] = first;
        table[i] = new Entry(member, s);
        return s;
    }

    /** How many members are remembered now (tests). */
    int size() {
        int n = 0;
        for (Entry e : table) {
            n += e == null ? 0 : 1;
        }
        return n;
    }

    /** The first slot of the member's pair. */
    private int pair(String member) {
        int h = member.hashCode();
        return (h ^ (h >>> 16)) & (table.length - 2);
    }

    private record Entry(String member, CallBudgets.Scoped scoped) {

        boolean is(String m, KeyBudget budget) {
            return (scoped.budget() == budget || scoped.budget().equals(budget)) && member.equals(m);
        }
    }
}

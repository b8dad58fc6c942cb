package tollgate.metering.budget;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who a budget belongs to (SPEC 11): a key, an end user, one value of a tag, a priced model, or all traffic.
 * Immutable, equal by kind and name. Its store {@link #account()} is built once, with the scope (a call's user
 * scope is asked for it at the reservation, the hold's anchor and the settlement: bench/RESULTS.md, session 5).
 */
public final class BudgetScope {

    public enum Kind {
        KEY, USER, TAG, MODEL, GLOBAL;

        private final String id = name().toLowerCase(Locale.ROOT);

        /** As in the {@code scope} metric label and the {@code x-tollgate-budget-scope} header. */
        public String id() {
            return id;
        }
    }

    public static final BudgetScope GLOBAL = new BudgetScope(Kind.GLOBAL, "");

    private final Kind kind;
    private final String name;
    private final String account;
    /*
     * Not part of the value: the ledger's entries for this member (LedgerMemory), kept on the scope a member's calls
     * share (ScopeMemo) so that they need no cache read. Set and read racily: a stale read costs one cache read.
     */
    LedgerMemory.@Nullable Seen seen;
    LedgerMemory.@Nullable Known known;

    /** @param name the key id, user id, {@code tag=value}, priced model name; empty for {@code global} */
    public BudgetScope(Kind kind, String name) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.name = Objects.requireNonNull(name, "name");
        this.account = switch (kind) {
            case KEY -> name;
            case GLOBAL -> "#global";
            default -> "#" + kind.id() + ":" + escape(name);
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The key id, user id, {@code tag=value}, priced model name; empty for {@code global}. */
    public String name() {
        return name;
    }

    public static BudgetScope key(String keyId) {
        return new BudgetScope(Kind.KEY, keyId);
    }

    public static BudgetScope user(String user) {
        return new BudgetScope(Kind.USER, user);
    }

    public static BudgetScope tag(String name, String value) {
        return new BudgetScope(Kind.TAG, name + "=" + value);
    }

    public static BudgetScope model(String pricedName) {
        return new BudgetScope(Kind.MODEL, pricedName);
    }

    /**
     * The id a store counts this scope under. A key's is its key id, as before scopes existed (so Redis counters of
     * a running fleet carry over); the others start with {@code #}, which no key id can (config names start with a
     * letter or digit, fingerprints with {@code fp-}), and escape every byte outside a safe set as {@code %XX}, so
     * a user id with spaces or braces can neither break a Redis hold list nor a hash tag.
     */
    public String account() {
        return account;
    }

    /** For messages: {@code key 'storybot'}, {@code user '123'}, {@code tag team=search}, {@code global}. */
    public String describe() {
        return switch (kind) {
            case KEY -> "key '" + name + "'";
            case USER -> "user '" + name + "'";
            case TAG -> "tag " + name;
            case MODEL -> "model " + name;
            case GLOBAL -> "global";
        };
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof BudgetScope b && kind == b.kind && name.equals(b.name));
    }

    @Override
    public int hashCode() {
        return 31 * kind.hashCode() + name.hashCode();
    }

    @Override
    public String toString() {
        return "BudgetScope[kind=" + kind + ", name=" + name + "]";
    }

    private static String escape(String s) {
        if (safe(s)) {
            return s; // nearly every user id and tag value: nothing to escape, nothing to copy
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-' || c == '=' || c == ':') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    private static boolean safe(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-' || c == '=' || c == ':')) {
                return false;
            }
        }
        return true;
    }
}

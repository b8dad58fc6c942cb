package tollgate.metering.budget;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that make each Redis budget operation atomic across a key's windows (Redis runs a script with
 * no other command in between: https://redis.io/docs/latest/develop/interact/programmability/eval-intro/).
 *
 * <p>Amounts are whole nano-USD and tokens, passed as strings and added with HINCRBY, which counts in exact
 * 64-bit integers; Lua numbers (doubles) are used only to compare, where they are exact up to 2^53 nano-USD
 * (about 9 million USD per counter). A call's script names the counters of all its scopes (key, user, tag values,
 * model, global), each account under its own hash tag {@code {account}}: one script, one atomic unit, on a single
 * Redis (the store's client is not a Cluster client, so scripts over several slots are never sent to a Cluster).
 *
 * <p>A hold is a field of the key's hold hash, {@code "<usd> <tokens> <counter key> ..."}, and a member of its
 * hold sorted set scored by the time it expires; each reserve releases up to 100 expired holds of its account first.
 * A hold lives in the hash of the call's first scope and lists every counter it reserved in, whatever its scope.
 */
final class RedisScripts {

    private static final String RELEASE = """
            local function release(holdHash, holdSet, id)
              local v = redis.call('HGET', holdHash, id)
              if v then
                local usd, tok, rest = string.match(v, '^(%d+) (%d+)(.*)$')
                for ck in string.gmatch(rest, '%S+') do
                  if redis.call('EXISTS', ck) == 1 then
                    if usd ~= '0' then redis.call('HINCRBY', ck, 'reserved', '-' .. usd) end
                    if tok ~= '0' then redis.call('HINCRBY', ck, 'reserved_tokens', '-' .. tok) end
                  end
                end
                redis.call('HDEL', holdHash, id)
              end
              redis.call('ZREM', holdSet, id)
            end
            local function counters(out, key)
              local c = redis.call('HMGET', key, 'spent', 'reserved', 'spent_tokens', 'reserved_tokens')
              for j = 1, 4 do out[#out + 1] = c[j] or '0' end
            end
            """;

    /**
     * KEYS: hold set, hold hash, one counter per window. ARGV: now ms, hold (1/0), hold id, hold until ms, worst
     * nano-USD, worst tokens, hold keys expire-at ms, then per counter: limit nano-USD (-1: none), limit tokens
     * (-1: none), expire-at ms (-1: never). Returns granted (1/0) then spent, reserved, spent tokens, reserved
     * tokens per counter.
     */
    static final Script RESERVE = new Script(RELEASE + """
            for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)) do
              release(KEYS[2], KEYS[1], id)
            end
            local hold = ARGV[2] == '1'
            local usd, tok = tonumber(ARGV[5]), tonumber(ARGV[6])
            local n = #KEYS - 2
            local granted = 1
            for i = 1, n do
              local c = redis.call('HMGET', KEYS[i + 2], 'spent', 'reserved', 'spent_tokens', 'reserved_tokens')
              local s, r = tonumber(c[1] or '0'), tonumber(c[2] or '0')
              local st, rt = tonumber(c[3] or '0'), tonumber(c[4] or '0')
              local lu, lt = tonumber(ARGV[5 + 3 * i]), tonumber(ARGV[6 + 3 * i])
              if hold then
                if (lu >= 0 and s + r + usd > lu) or (lt >= 0 and st + rt + tok > lt) then granted = 0 end
              else
                if (lu >= 0 and s >= lu) or (lt >= 0 and st >= lt) then granted = 0 end
              end
            end
            if granted == 1 and hold then
              local held = {}
              for i = 1, n do
                local k = KEYS[i + 2]
                if ARGV[5] ~= '0' then redis.call('HINCRBY', k, 'reserved', ARGV[5]) end
                if ARGV[6] ~= '0' then redis.call('HINCRBY', k, 'reserved_tokens', ARGV[6]) end
                if ARGV[7 + 3 * i] ~= '-1' then redis.call('PEXPIREAT', k, ARGV[7 + 3 * i]) end
                held[i] = k
              end
              redis.call('HSET', KEYS[2], ARGV[3], ARGV[5] .. ' ' .. ARGV[6] .. ' ' .. table.concat(held, ' '))
              redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
              redis.call('PEXPIREAT', KEYS[1], ARGV[7])
              redis.call('PEXPIREAT', KEYS[2], ARGV[7])
            end
            local out = {granted}
            for i = 1, n do counters(out, KEYS[i + 2]) end
            return out
            """);

    /**
     * KEYS: hold set, hold hash, the settle's marker, one counter per window to charge. ARGV: hold id ('' for
     * none), cost nano-USD, cost tokens, marker lifetime ms (-1: no marker, nothing to charge), then per counter its
     * expire-at ms (-1: never). Returns spent, reserved, spent tokens, reserved tokens per counter, after the charge.
     *
     * <p>A settle may run twice: the store retries one the client saw fail (timed out, connection lost) though it
     * may have run, and Lettuce sends commands in flight again after a reconnect. It charges only when it sets its
     * marker (SET NX, named by the hold's id or one of its own, living past the last retry), so once however often
     * it runs, before or after its hold expired; its hold is dropped every time (once gone, dropping it is nothing).
     */
    static final Script SETTLE = new Script(RELEASE + """
            local charge = true
            if ARGV[1] ~= '' then release(KEYS[2], KEYS[1], ARGV[1]) end
            if ARGV[4] ~= '-1' then
              if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then charge = false end
            end
            local out = {}
            for i = 1, #KEYS - 3 do
              local k = KEYS[i + 3]
              if charge then
                if ARGV[2] ~= '0' then redis.call('HINCRBY', k, 'spent', ARGV[2]) end
                if ARGV[3] ~= '0' then redis.call('HINCRBY', k, 'spent_tokens', ARGV[3]) end
                if ARGV[4 + i] ~= '-1' then redis.call('PEXPIREAT', k, ARGV[4 + i]) end
              end
              counters(out, k)
            end
            return out
            """);

    /**
     * KEYS: hold set, hold hash, the counters to read. ARGV: now ms. Releases expired holds, then returns spent,
     * reserved, spent tokens, reserved tokens per counter.
     */
    static final Script READ = new Script(RELEASE + """
            for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)) do
              release(KEYS[2], KEYS[1], id)
            end
            local out = {}
            for i = 3, #KEYS do counters(out, KEYS[i]) end
            return out
            """);

    /**
     * Rate limits ({@link RateBucket}, same arithmetic): KEYS are buckets holding their {@code tat} in ticks; ARGV per
     * bucket: now in its ticks, the ticks its units span, the ticks of a minute. Takes every bucket's units if all
     * fit within a minute, else none; returns {@code {granted, tat before of each bucket}}. A bucket expires a second after it is full
     * again. Values stay below 2^53 (ticks since 1970 are at most µs since 1970, about 2^51), so Lua's doubles are
     * exact.
     */
    static final Script RATE_TAKE = new Script("""
            local before = {}
            local fits = 1
            for i = 1, #KEYS do
              local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
              before[i] = tat
              local now, units, n = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
              if math.max(tat, now) + units - now > n then fits = 0 end
            end
            if fits == 1 then
              for i = 1, #KEYS do
                local now, n = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i])
                local next = math.max(before[i], now) + tonumber(ARGV[3 * i - 1])
                redis.call('SET', KEYS[i], string.format('%.0f', next), 'PX', string.format('%.0f', math.ceil((next - now) * 60000 / n) + 1000))
              end
            end
            local out = {fits}
            for i = 1, #KEYS do out[i + 1] = string.format('%.0f', before[i]) end
            return out
            """);

    /**
     * Corrects buckets by signed spans (ARGV per bucket: now in its ticks, the ticks, a minute's ticks); a give-back
     * stops at full.
     */
    static final Script RATE_ADJUST = new Script("""
            for i = 1, #KEYS do
              local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
              local now, units, n = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1]), tonumber(ARGV[3 * i])
              local base = tat
              if units > 0 then base = math.max(tat, now) end
              local next = base + units
              if next > now then
                redis.call('SET', KEYS[i], string.format('%.0f', next), 'PX', string.format('%.0f', math.ceil((next - now) * 60000 / n) + 1000))
              else
                redis.call('DEL', KEYS[i])
              end
            end
            return {}
            """);

    private RedisScripts() {
    }

    /** A script's source and the SHA-1 that EVALSHA names it by. */
    record Script(String source, String sha1) {
        Script(String source) {
            this(source, sha1(source));
        }

        private static String sha1(String source) {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
                return HexFormat.of().formatHex(digest);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required of every JDK", e);
            }
        }
    }
}

package tollgate.proxy.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import tollgate.metering.log.WrittenRecord;

/**
 * The newest usage records in memory (for {@code /admin/usage/recent}) and the live subscribers of
 * {@code /admin/usage/stream}. Fed on the usage log's writer thread; a subscriber that cannot keep up loses
 * events and is closed, it never slows the writer or the proxy.
 */
public final class UsageFeed implements Consumer<WrittenRecord> {
    static final int RECENT_CAPACITY = 1000;
    static final int MAX_SUBSCRIBERS = 64;

    private final ArrayDeque<WrittenRecord> recent = new ArrayDeque<>(RECENT_CAPACITY);
    private final Set<Channel> subscribers = ConcurrentHashMap.newKeySet();
    private final Function<WrittenRecord, String> shown;

    /** Records shown as logged. */
    public UsageFeed() {
        this(WrittenRecord::line);
    }

    /** @param shown a record as the admin API serves it (its log line with the input/output cost split added) */
    public UsageFeed(Function<WrittenRecord, String> shown) {
        this.shown = shown;
    }

    /** A record as {@code /admin/usage/recent} and {@code /admin/usage/stream} serve it. */
    public String shown(WrittenRecord r) {
        return shown.apply(r);
    }

    @Override
    public void accept(WrittenRecord r) {
        synchronized (recent) {
            if (recent.size() == RECENT_CAPACITY) {
                recent.removeFirst();
            }
            recent.addLast(r);
        }
        if (subscribers.isEmpty()) {
            return;
        }
        byte[] event = ("event: usage\ndata: " + shown(r) + "\n\n").getBytes(StandardCharsets.UTF_8);
        for (Iterator<Channel> it = subscribers.iterator(); it.hasNext(); ) {
            Channel ch = it.next();
            if (!ch.isActive()) {
                it.remove();
            } else if (!ch.isWritable()) {
                // a reader this slow would make us buffer without bound: it is dropped, and can reconnect
                it.remove();
                ch.close();
            } else {
                ByteBuf buf = Unpooled.wrappedBuffer(event);
                ch.writeAndFlush(new DefaultHttpContent(buf)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
        }
    }

    /** The newest records, newest first, that pass {@code filter}. */
    public List<WrittenRecord> recent(int limit, java.util.function.Predicate<WrittenRecord> filter) {
        List<WrittenRecord> out = new ArrayList<>(Math.min(limit, RECENT_CAPACITY));
        synchronized (recent) {
            for (Iterator<WrittenRecord> it = recent.descendingIterator(); it.hasNext() && out.size() < limit; ) {
                WrittenRecord r = it.next();
                if (filter.test(r)) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    boolean subscribe(Channel ch) {
        if (subscribers.size() >= MAX_SUBSCRIBERS) {
            return false;
        }
        subscribers.add(ch);
        ch.closeFuture().addListener(f -> subscribers.remove(ch));
        return true;
    }

    public int subscribers() {
        return subscribers.size();
    }
}

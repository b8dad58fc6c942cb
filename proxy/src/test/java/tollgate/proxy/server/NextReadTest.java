package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NextReadTest {
    private static ByteBuf msg(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void messagesPassWhileIdleWithoutTouchingAutoRead() {
        NextRead next = new NextRead();
        EmbeddedChannel ch = new EmbeddedChannel(next);
        ch.writeInbound(msg("a"));
        ByteBuf a = ch.readInbound();
        assertThat(a.toString(StandardCharsets.US_ASCII)).isEqualTo("a");
        a.release();
        next.pause();
        next.resume();
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void whatArrivesWhileBusyIsHeldInOrderReadingStopsAndResumeHandsItOn() {
        NextRead next = new NextRead();
        EmbeddedChannel ch = new EmbeddedChannel(next);
        next.pause();
        ch.writeInbound(msg("b"), msg("c"));
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.config().isAutoRead()).isFalse();

        next.resume();
        ch.runPendingTasks();
        ByteBuf b = ch.readInbound();
        ByteBuf c = ch.readInbound();
        assertThat(b.toString(StandardCharsets.US_ASCII)).isEqualTo("b");
        assertThat(c.toString(StandardCharsets.US_ASCII)).isEqualTo("c");
        b.release();
        c.release();
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void heldMessagesAreReleasedWhenTheConnectionCloses() {
        NextRead next = new NextRead();
        EmbeddedChannel ch = new EmbeddedChannel(next);
        next.pause();
        ByteBuf held = msg("pipelined");
        ch.writeInbound(held);
        assertThat(held.refCnt()).isEqualTo(1);
        ch.close();
        assertThat(held.refCnt()).isZero();
    }
}

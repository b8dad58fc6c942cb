package tollgate.proxy.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
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

    @Test
    void aStreamedBodyPassesWhileBusyAndHoldingStartsAfterItsLastChunk() {
        NextRead next = new NextRead();
        EmbeddedChannel ch = new EmbeddedChannel(next);
        HttpRequest upload = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/files");
        ch.writeInbound(upload);
        // the handler takes the request at its head
        assertThat((Object) ch.readInbound()).isSameAs(upload);
        next.pause();

        HttpContent part = new DefaultHttpContent(msg("part"));
        HttpContent last = new DefaultLastHttpContent(msg("last"));
        HttpRequest pipelined = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/models");
        ch.writeInbound(part, last, pipelined);

        assertThat((Object) ch.readInbound()).isSameAs(part);
        assertThat((Object) ch.readInbound()).isSameAs(last);
        assertThat((Object) ch.readInbound()).isNull();
        assertThat(ch.config().isAutoRead()).isFalse();
        part.release();
        last.release();

        next.resume();
        ch.runPendingTasks();
        assertThat((Object) ch.readInbound()).isSameAs(pipelined);
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void aPausedBodyStopsReadingUntilResumedAndAHeldMessageKeepsItStopped() {
        NextRead next = new NextRead();
        EmbeddedChannel ch = new EmbeddedChannel(next);
        next.pauseBody();
        assertThat(ch.config().isAutoRead()).isFalse();
        next.resumeBody();
        assertThat(ch.config().isAutoRead()).isTrue();

        next.pause();
        ch.writeInbound(msg("held"));
        next.pauseBody();
        next.resumeBody();
        // the held message still stops reading until the answer is complete
        assertThat(ch.config().isAutoRead()).isFalse();
        next.resume();
        ch.runPendingTasks();
        ByteBuf held = ch.readInbound();
        assertThat(held.toString(StandardCharsets.US_ASCII)).isEqualTo("held");
        ReferenceCountUtil.release(held);
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finishAndReleaseAll();
    }
}

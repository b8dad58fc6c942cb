package tollgate.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The upstream connection's last handler, on an EmbeddedChannel: what reaches the call, and what is released. */
class UpstreamHandlerTest {

    @Test
    void informationalAnswersAndTheirEmptyEndsNeverReachTheCallAndAreReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new UpstreamHandler());
        List<Object> seen = new ArrayList<>();
        UpstreamHandler.bind(ch, new UpstreamHandler.Listener() {
            @Override
            public void onUpstreamMessage(Object msg) {
                seen.add(msg);
            }

            @Override
            public void onUpstreamReadComplete() {
            }

            @Override
            public void onUpstreamInactive() {
            }

            @Override
            public void onUpstreamException(Throwable cause) {
            }
        });
        ByteBuf hintBody = Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII);
        DefaultFullHttpResponse hint = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(103),
                hintBody);
        ByteBuf answer = Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII);

        ch.writeInbound(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE),
                LastHttpContent.EMPTY_LAST_CONTENT, hint,
                new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), new DefaultLastHttpContent(answer));

        assertThat(seen).hasSize(2);
        assertThat(((HttpResponse) seen.get(0)).status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(((LastHttpContent) seen.get(1)).content().toString(StandardCharsets.US_ASCII)).isEqualTo("{}");
        assertThat(hintBody.refCnt()).isZero();
        seen.forEach(ReferenceCountUtil::release);
        assertThat(answer.refCnt()).isZero();
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}

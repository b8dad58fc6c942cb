package tollgate.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import tollgate.config.Limits;
import tollgate.config.Timeouts;

/**
 * The upstream pipeline, as a recipe:
 * <pre>
 *   SslHandler (https only, SNI + host name verification) → HttpClientCodec → UpstreamHandler
 * </pre>
 * Timeouts (first byte, idle) are armed per call by the exchange, not by a pipeline handler.
 */
final class UpstreamInitializer {
    private UpstreamInitializer() {}

    static void init(Channel ch, UpstreamTarget target, Limits limits, Timeouts timeouts) {
        ChannelPipeline p = ch.pipeline();
        SslContext ssl = target.sslContext();
        if (ssl != null) {
            p.addLast("tls", ssl.newHandler(ch.alloc(), target.host(), target.port()));
        }
        // failOnMissingResponse: a connection that closes before answering surfaces as an error, not silence
        p.addLast("http", new HttpClientCodec(8192, limits.maxHeaderBytes(), 64 * 1024, true));
        p.addLast("relay", new UpstreamHandler());
    }
}

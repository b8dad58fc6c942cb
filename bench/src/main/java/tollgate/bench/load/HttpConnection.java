package tollgate.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import tollgate.proxy.server.Transport;

/**
 * One keep-alive client connection that carries one request at a time and reports its response's milestones.
 *
 * <pre>
 * raw request bytes ─→ socket ─→ HttpResponseDecoder → Reader ─→ Listener
 * </pre>
 */
final class HttpConnection {
    /** Called on the connection's event loop. */
    interface Listener {
        default void onHead(HttpConnection c, int status, long nanos) {
        }

        default void onStamp(HttpConnection c, long sentNanos, long arrivedNanos) {
        }

        void onComplete(HttpConnection c, int status, long bytes, long nanos);

        void onFailure(HttpConnection c, Throwable cause);
    }

    private final Channel channel;
    private final RequestTemplate request;
    private final Listener listener;
    private final boolean scanStamps;
    private final StampScanner scanner = new StampScanner();
    private boolean busy;
    private int status;
    private long bytes;
    /** When the request should have started (open loop) or did start (closed loop). */
    long intendedNanos;
    long sentNanos;

    private HttpConnection(Channel channel, RequestTemplate request, Listener listener, boolean scanStamps) {
        this.channel = channel;
        this.request = request;
        this.listener = listener;
        this.scanStamps = scanStamps;
    }

    static ChannelFuture connect(EventLoopGroup group, Transport transport, InetSocketAddress target,
                                 RequestTemplate request, Listener listener, boolean scanStamps,
                                 java.util.function.Consumer<HttpConnection> ready) {
        HttpConnection[] holder = new HttpConnection[1];
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        HttpConnection c = new HttpConnection(ch, request, listener, scanStamps);
                        holder[0] = c;
                        ch.pipeline().addLast(new HttpResponseDecoder(), c.new Reader());
                    }
                });
        ChannelFuture f = b.connect(target);
        f.addListener(done -> {
            if (done.isSuccess()) {
                ready.accept(holder[0]);
            }
        });
        return f;
    }

    /** Sends the request; {@code intended} is the time the latency is measured from. Any thread. */
    void send(long intended) {
        if (channel.eventLoop().inEventLoop()) {
            sendNow(intended);
        } else {
            channel.eventLoop().execute(() -> sendNow(intended));
        }
    }

    private void sendNow(long intended) {
        if (!channel.isActive()) {
            listener.onFailure(this, new IllegalStateException("connection closed"));
            return;
        }
        busy = true;
        status = 0;
        bytes = 0;
        scanner.reset();
        intendedNanos = intended;
        sentNanos = System.nanoTime();
        channel.writeAndFlush(request.next(), channel.voidPromise());
    }

    void close() {
        channel.close();
    }

    boolean isActive() {
        return channel.isActive();
    }

    private final class Reader extends ChannelInboundHandlerAdapter implements StampScanner.Sink {
        @Override
        public void onStamp(long sentNanos, long arrivedNanos) {
            listener.onStamp(HttpConnection.this, sentNanos, arrivedNanos);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            long now = System.nanoTime();
            try {
                if (msg instanceof HttpResponse r) {
                    status = r.status().code();
                    listener.onHead(HttpConnection.this, status, now);
                }
                if (msg instanceof HttpContent c) {
                    bytes += c.content().readableBytes();
                    if (scanStamps) {
                        scanner.feed(c.content(), now, this);
                    }
                    if (msg instanceof LastHttpContent) {
                        busy = false;
                        listener.onComplete(HttpConnection.this, status, bytes, now);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (busy) {
                busy = false;
                listener.onFailure(HttpConnection.this, new IllegalStateException("connection closed mid-response"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, @Nullable Throwable cause) {
            ctx.close();
        }
    }
}

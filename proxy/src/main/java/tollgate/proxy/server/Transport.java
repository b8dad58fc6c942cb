package tollgate.proxy.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import tollgate.config.ServerConfig;

/** The socket transport of {@code server.transport}: native epoll ({@code auto} where the platform has it) or NIO. */
public record Transport(String name, Class<? extends ServerChannel> serverChannel, Class<? extends Channel> clientChannel) {
    public static Transport of(ServerConfig.Transport kind) {
        boolean epoll = switch (kind) {
            case AUTO -> Epoll.isAvailable();
            case EPOLL -> {
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("server.transport: epoll is not available here ("
                            + Epoll.unavailabilityCause() + "); use auto or nio");
                }
                yield true;
            }
            case NIO -> false;
        };
        return epoll ? new Transport("epoll", EpollServerSocketChannel.class, EpollSocketChannel.class)
                : new Transport("nio", NioServerSocketChannel.class, NioSocketChannel.class);
    }

    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, name.equals("epoll") ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }
}

package tollgate.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.compression.ZlibWrapper;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Inflates a {@code gzip} or {@code deflate} answer for metering only, as its bytes pass (the client gets them
 * compressed, as sent). Each call's inflater copies what it is given (a compressed answer is the rare case) and
 * hands each inflated piece on before releasing it; nothing is kept. Event loop only.
 */
final class ContentInflater implements AutoCloseable {
    /** Largest inflated buffer the decoder allocates at once. */
    private static final int MAX_PIECE = 64 * 1024;

    private final EmbeddedChannel channel;

    private ContentInflater(ZlibWrapper wrapper) {
        channel = new EmbeddedChannel(ZlibCodecFactory.newZlibDecoder(wrapper, MAX_PIECE));
    }

    /** An inflater for {@code Content-Encoding: coding}, or null when tollgate cannot read that coding. */
    static @Nullable ContentInflater of(String coding) {
        return switch (coding.trim().toLowerCase(Locale.ROOT)) {
            case "gzip", "x-gzip" -> new ContentInflater(ZlibWrapper.GZIP);
            // RFC 9110's deflate is zlib-wrapped; some servers send it raw, which ZLIB_OR_NONE also reads
            case "deflate", "x-deflate" -> new ContentInflater(ZlibWrapper.ZLIB_OR_NONE);
            default -> null;
        };
    }

    /** Feeds compressed bytes (the buffer's position is left as it was); false when they are not valid. */
    boolean inflate(ByteBuffer compressed, Consumer<ByteBuffer> inflated) {
        try {
            channel.writeInbound(Unpooled.copiedBuffer(compressed));
            drain(inflated);
            return true;
        } catch (DecompressionException e) {
            return false;
        }
    }

    /** The body ended: hands on what is left; false when the stream was not valid. */
    boolean finish(Consumer<ByteBuffer> inflated) {
        try {
            channel.finish();
            drain(inflated);
            return true;
        } catch (DecompressionException e) {
            return false;
        }
    }

    private void drain(Consumer<ByteBuffer> inflated) {
        ByteBuf piece;
        while ((piece = channel.readInbound()) != null) {
            try {
                if (piece.isReadable()) {
                    inflated.accept(piece.nioBuffer());
                }
            } finally {
                piece.release();
            }
        }
    }

    @Override
    public void close() {
        try {
            channel.finishAndReleaseAll();
        } catch (DecompressionException truncated) {
            // a body cut short: what was read has been read
            channel.releaseInbound();
        }
    }
}

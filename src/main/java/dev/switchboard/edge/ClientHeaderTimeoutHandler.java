package dev.switchboard.edge;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Drops a connection whose first request's headers do not arrive in time (slowloris). A
 * connection sending one header byte a second never looks idle to a read-idle timer; this
 * one measures the time to the end of the header block instead. It sits in front of the
 * HTTP codec, watches only for the blank line that ends the headers, and leaves the
 * pipeline as soon as it has seen it, so it costs nothing afterwards. Later requests on a
 * keep-alive connection are bounded by the server's idle timeout.
 */
public class ClientHeaderTimeoutHandler extends ChannelDuplexHandler {

	/**
	 * Its name in the pipeline; the tunnel removes it by this name should it still be
	 * there.
	 */
	public static final String NAME = "switchboard.clientHeaderTimeout";

	private static final Log logger = LogFactory.getLog(ClientHeaderTimeoutHandler.class);

	private final long timeoutMillis;

	private ScheduledFuture<?> timer;

	/** How much of "\r\n\r\n" the bytes so far end with. */
	private int matched;

	public ClientHeaderTimeoutHandler(long timeoutMillis) {
		this.timeoutMillis = timeoutMillis;
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.timer = ctx.executor().schedule(() -> {
			logger.info("Client " + ctx.channel().remoteAddress() + " did not send its request headers within "
					+ this.timeoutMillis + "ms (switchboard.client-header-timeout); closing the connection");
			ctx.close();
		}, this.timeoutMillis, TimeUnit.MILLISECONDS);
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (msg instanceof ByteBuf bytes && endsHeaders(bytes)) {
			ctx.pipeline().remove(this);
		}
		ctx.fireChannelRead(msg);
	}

	private boolean endsHeaders(ByteBuf bytes) {
		for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
			byte b = bytes.getByte(i);
			if (b == ((this.matched % 2 == 0) ? '\r' : '\n')) {
				this.matched++;
				if (this.matched == 4) {
					return true;
				}
			}
			else {
				this.matched = (b == '\r') ? 1 : 0;
			}
		}
		return false;
	}

	@Override
	public void handlerRemoved(ChannelHandlerContext ctx) {
		this.timer.cancel(false);
	}

}

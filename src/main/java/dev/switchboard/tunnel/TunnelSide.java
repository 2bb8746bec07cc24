package dev.switchboard.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * One end of a tunnel: the handler on the client's or the backend's channel. Bytes it
 * reads are scanned for frame boundaries and written to the other side's context
 * directly, so they skip every handler above this one. Both channels share one event
 * loop, so no state here needs a lock.
 */
final class TunnelSide extends ChannelDuplexHandler implements FrameScanner.Target {

	final Tunnel tunnel;

	final boolean isClient;

	TunnelSide peer;

	FrameScanner scanner;

	ChannelHandlerContext ctx;

	/** A frame of the gateway's own waiting for the incoming data frame to end. */
	private ByteBuf heldFrame;

	private boolean wroteSinceFlush;

	/** This side sent its close frame. */
	boolean closeReceived;

	/**
	 * This side was sent a close frame (relayed from the other side, or the gateway's
	 * own).
	 */
	boolean closeSent;

	/**
	 * The close frame this side received was the gateway's own, so its answer is not
	 * relayed.
	 */
	boolean closeSentByGateway;

	boolean inactive;

	private boolean heldIsClose;

	TunnelSide(Tunnel tunnel, boolean isClient) {
		this.tunnel = tunnel;
		this.isClient = isClient;
	}

	String name() {
		return this.isClient ? "client" : "backend";
	}

	@Override
	public void handlerAdded(ChannelHandlerContext ctx) {
		this.ctx = ctx;
	}

	@Override
	public void channelRead(ChannelHandlerContext ctx, Object msg) {
		if (msg instanceof ByteBuf buf) {
			this.scanner.scan(buf);
			this.tunnel.heard(this);
		}
		else {
			ReferenceCountUtil.release(msg);
		}
	}

	@Override
	public void channelReadComplete(ChannelHandlerContext ctx) {
		this.peer.flushIfWritten();
	}

	@Override
	public void channelWritabilityChanged(ChannelHandlerContext ctx) {
		// Backpressure: a side that cannot take more stops the other side from reading,
		// so a slow reader slows the fast writer down through TCP instead of growing the
		// gateway's memory.
		boolean writable = ctx.channel().isWritable();
		this.peer.ctx.channel().config().setAutoRead(writable);
		this.tunnel.writabilityChanged(this, writable);
		ctx.fireChannelWritabilityChanged();
	}

	@Override
	public void channelInactive(ChannelHandlerContext ctx) {
		this.inactive = true;
		this.scanner.release();
		releaseHeldFrame();
		this.tunnel.onInactive(this);
		ctx.fireChannelInactive();
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		this.tunnel.onError(this, cause);
	}

	/**
	 * Anything written from above this handler is left over from the HTTP exchange that
	 * preceded the upgrade (the web framework finishing its response); after the 101 it
	 * must never reach the wire.
	 */
	@Override
	public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
		ReferenceCountUtil.release(msg);
		promise.trySuccess();
	}

	/** Writes relayed bytes to this side. */
	@Override
	public void forward(ByteBuf bytes) {
		if (this.inactive) {
			bytes.release();
			return;
		}
		this.ctx.write(bytes, this.ctx.voidPromise());
		this.wroteSinceFlush = true;
	}

	void flushIfWritten() {
		if (this.wroteSinceFlush) {
			this.wroteSinceFlush = false;
			this.ctx.flush();
		}
	}

	/**
	 * Writes a frame of the gateway's own to this side as soon as no relayed data frame
	 * is half written to it.
	 */
	private void sendOwnFrame(ByteBuf frame, boolean isClose) {
		if (this.inactive) {
			frame.release();
			return;
		}
		if (this.peer.inactive || this.peer.scanner.atBoundary()) {
			writeOwn(frame);
			return;
		}
		if (this.heldFrame != null && this.heldIsClose && !isClose) {
			// A close is already waiting; nothing may follow it.
			frame.release();
			return;
		}
		releaseHeldFrame();
		this.heldFrame = frame;
		this.heldIsClose = isClose;
	}

	@Override
	public boolean hasHeldFrame() {
		return this.heldFrame != null;
	}

	/**
	 * Called by the scanner feeding this side at each frame boundary while a frame is
	 * held.
	 */
	@Override
	public void onBoundary() {
		ByteBuf frame = this.heldFrame;
		this.heldFrame = null;
		if (frame != null) {
			writeOwn(frame);
		}
	}

	private void writeOwn(ByteBuf frame) {
		this.wroteSinceFlush = false;
		this.ctx.writeAndFlush(frame, this.ctx.voidPromise());
	}

	/**
	 * Sends the gateway's own close frame, at the next frame boundary, unless this side
	 * already has one; a side that already has one and has answered it is closed.
	 */
	void sendGatewayClose(int code, String reason) {
		if (this.inactive) {
			return;
		}
		if (this.closeSent) {
			if (this.closeReceived) {
				closeAfterFlush();
			}
			return;
		}
		this.closeSent = true;
		this.closeSentByGateway = true;
		sendOwnFrame(Frames.close(this.ctx.alloc(), code, reason, !this.isClient), true);
	}

	/** Sends a heartbeat ping, whose pong the gateway will recognise and swallow. */
	void sendHeartbeat() {
		sendOwnFrame(Frames.control(this.ctx.alloc(), Frames.OP_PING, Frames.HEARTBEAT, !this.isClient), false);
	}

	/** Answers a ping of the peer's own at the gateway. */
	void sendPong(byte[] payload) {
		sendOwnFrame(Frames.control(this.ctx.alloc(), Frames.OP_PONG, payload, !this.isClient), false);
	}

	/**
	 * Gives up on this side: it gets no close frame (it is not listening), and its answer
	 * is not awaited.
	 */
	void abandon() {
		this.closeSent = true;
		this.closeSentByGateway = true;
	}

	/** Closes this side once what was written to it has left. */
	void closeAfterFlush() {
		if (this.inactive) {
			return;
		}
		this.wroteSinceFlush = false;
		this.ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
	}

	private void releaseHeldFrame() {
		if (this.heldFrame != null) {
			this.heldFrame.release();
			this.heldFrame = null;
		}
	}

}

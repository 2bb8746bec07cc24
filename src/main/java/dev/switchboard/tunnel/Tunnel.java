package dev.switchboard.tunnel;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.switchboard.config.TunnelSettings;

/**
 * A WebSocket tunnel between a client and a backend after a successful handshake. Bytes pass as
 * they are; the tunnel only watches frame boundaries, so close codes, reasons, extensions (e.g.
 * permessage-deflate) and subprotocol data reach the other side exactly as sent.
 *
 * It also owns the close handshake: a close frame from one side is relayed and its answer relayed
 * back; when one side's TCP connection dies without a close frame, the other side gets a real close
 * frame (1011 when the backend is lost, 1001 when the client is), never a silent drop.
 */
public final class Tunnel {

	private static final Log logger = LogFactory.getLog(Tunnel.class);

	/** Close code sent to a client whose backend vanished. */
	static final int BACKEND_LOST = 1011;

	/** Close code sent to a backend whose client vanished, and to both sides when the gateway leaves. */
	static final int GOING_AWAY = 1001;

	static final int MESSAGE_TOO_BIG = 1009;

	static final int PROTOCOL_ERROR = 1002;

	private final String routeId;

	private final java.net.URI backendUri;

	private final TunnelSettings settings;

	private final TunnelListener listener;

	private final TunnelSide client;

	private final TunnelSide backend;

	private final long openedAtNanos;

	private ScheduledFuture<?> closeTimer;

	private CloseInitiator initiator;

	private int closeCode = Frames.ABNORMAL;

	private String closeReason = "";

	private GatewayCloseReason gatewayReason;

	private boolean ended;

	public Tunnel(String routeId, java.net.URI backendUri, TunnelSettings settings, TunnelListener listener) {
		this.routeId = routeId;
		this.backendUri = backendUri;
		this.settings = settings;
		this.listener = listener;
		this.client = new TunnelSide(this, true);
		this.backend = new TunnelSide(this, false);
		this.client.peer = this.backend;
		this.backend.peer = this.client;
		long max = settings.maxMessageSize().toBytes();
		this.client.scanner = new FrameScanner(max, new SideEvents(this.client), this.backend);
		this.backend.scanner = new FrameScanner(max, new SideEvents(this.backend), this.client);
		this.openedAtNanos = System.nanoTime();
	}

	/** The handler to put on the client's channel. */
	public io.netty.channel.ChannelHandler clientHandler() {
		return this.client;
	}

	/** The handler to put on the backend's channel. */
	public io.netty.channel.ChannelHandler backendHandler() {
		return this.backend;
	}

	/** Writes the handshake answer, before any relayed byte. */
	public void writeToClient(io.netty.buffer.ByteBuf bytes) {
		this.client.ctx.writeAndFlush(bytes, this.client.ctx.voidPromise());
	}

	/** Starts relaying; both handlers must be in their pipelines. */
	public void start() {
		this.listener.onOpen(this);
		for (TunnelSide side : new TunnelSide[] { this.client, this.backend }) {
			Channel channel = side.ctx.channel();
			channel.config().setAutoRead(true);
			channel.read();
		}
	}

	public String routeId() {
		return this.routeId;
	}

	/** The backend instance this tunnel is connected to, as the route resolved it (after load balancing). */
	public java.net.URI backendUri() {
		return this.backendUri;
	}

	public Channel clientChannel() {
		return this.client.ctx.channel();
	}

	public Channel backendChannel() {
		return this.backend.ctx.channel();
	}

	public long openedAtNanos() {
		return this.openedAtNanos;
	}

	/** Ends the tunnel from the gateway's side: both peers get a close frame with this code. */
	public void close(GatewayCloseReason reason) {
		Channel channel = this.client.ctx.channel();
		if (channel.eventLoop().inEventLoop()) {
			closeByGateway(reason, reason.code(), reason.description());
		}
		else {
			channel.eventLoop().execute(() -> closeByGateway(reason, reason.code(), reason.description()));
		}
	}

	void closeByGateway(GatewayCloseReason reason, int code, String text) {
		closeByGateway(reason, code, text, code, text);
	}

	private void closeByGateway(GatewayCloseReason reason, int clientCode, String clientText, int backendCode,
			String backendText) {
		if (this.ended || this.gatewayReason != null) {
			return;
		}
		this.gatewayReason = reason;
		if (this.initiator == null) {
			this.initiator = CloseInitiator.GATEWAY;
			this.closeCode = clientCode;
			this.closeReason = clientText;
		}
		logger.debug(describe() + " closed by the gateway: " + reason);
		this.client.scanner.discardData();
		this.backend.scanner.discardData();
		sendOwnClose(this.client, clientCode, clientText);
		sendOwnClose(this.backend, backendCode, backendText);
		startCloseTimer();
	}

	private void sendOwnClose(TunnelSide side, int code, String reason) {
		if (side.inactive) {
			return;
		}
		if (side.closeSent) {
			// It already has a close frame; it only has to answer it.
			if (side.closeReceived) {
				side.closeAfterFlush();
			}
			return;
		}
		side.closeSent = true;
		side.closeSentByGateway = true;
		side.sendOwnFrame(Frames.close(side.ctx.alloc(), code, reason, !side.isClient), false);
	}

	/** A close frame arrived from {@code from}; returns whether to relay it. */
	boolean onCloseFrame(TunnelSide from, int code, String reason) {
		if (this.initiator == null) {
			this.initiator = from.isClient ? CloseInitiator.CLIENT : CloseInitiator.BACKEND;
			this.closeCode = code;
			this.closeReason = reason;
		}
		if (from.closeReceived) {
			return false;
		}
		from.closeReceived = true;
		TunnelSide to = from.peer;
		if (from.closeSentByGateway || to.inactive || to.closeSentByGateway) {
			// The answer to the gateway's own close frame, or the other side already has the gateway's:
			// relaying it would hand that side a second close frame. This side is done.
			from.closeAfterFlush();
			return false;
		}
		to.closeSent = true;
		if (from.closeSent) {
			// This answers the close the other side started: the handshake is complete both ways and
			// the backend should now end the TCP connection; make sure it does.
			startCloseTimer();
		}
		return true;
	}

	void onInactive(TunnelSide side) {
		TunnelSide other = side.peer;
		if (other.inactive) {
			end();
			return;
		}
		if (!side.closeReceived && this.gatewayReason == null) {
			// The TCP connection died without a close frame: tell the other side with a real one.
			if (this.initiator == null) {
				this.initiator = side.isClient ? CloseInitiator.CLIENT : CloseInitiator.BACKEND;
			}
			int code = side.isClient ? GOING_AWAY : BACKEND_LOST;
			String reason = side.isClient ? "client connection lost" : "backend connection lost";
			logger.debug(describe() + ": " + side.name() + " connection closed without a close frame");
			if (!side.scanner.atBoundary()) {
				// It died in the middle of a frame towards the other side: no frame can follow that.
				other.ctx.close();
				return;
			}
			if (!other.closeSent) {
				other.closeSent = true;
				other.closeSentByGateway = true;
				other.sendOwnFrame(Frames.close(other.ctx.alloc(), code, reason, !other.isClient), false);
			}
		}
		if (other.closeSent && other.closeReceived) {
			other.closeAfterFlush();
		}
		else {
			startCloseTimer();
		}
	}

	void onError(TunnelSide side, Throwable cause) {
		if (!(cause instanceof ClosedChannelException) && logger.isDebugEnabled()) {
			logger.debug(describe() + ": " + side.name() + " connection failed: " + cause);
		}
		side.ctx.close();
	}

	private void startCloseTimer() {
		if (this.closeTimer != null || this.ended) {
			return;
		}
		this.closeTimer = this.client.ctx.executor().schedule(() -> {
			this.client.ctx.close();
			this.backend.ctx.close();
		}, this.settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
	}

	private void end() {
		if (this.ended) {
			return;
		}
		this.ended = true;
		if (this.closeTimer != null) {
			this.closeTimer.cancel(false);
		}
		this.listener.onClose(this, new TunnelSummary(this.routeId,
				this.initiator == null ? CloseInitiator.BACKEND : this.initiator, this.closeCode, this.closeReason,
				this.gatewayReason, System.nanoTime() - this.openedAtNanos, this.client.scanner.messages,
				this.client.scanner.bytes, this.backend.scanner.messages, this.backend.scanner.bytes));
	}

	String describe() {
		Channel channel = this.client.ctx.channel();
		return "Tunnel [route " + this.routeId + ", client " + channel.remoteAddress() + " <-> backend "
				+ this.backend.ctx.channel().remoteAddress() + "]";
	}

	/** Frame events of one side, turned into tunnel decisions. */
	private final class SideEvents implements FrameScanner.Events {

		private final TunnelSide side;

		SideEvents(TunnelSide side) {
			this.side = side;
		}

		@Override
		public boolean onControlFrame(int opcode, byte[] payload) {
			if (opcode == Frames.OP_CLOSE) {
				return onCloseFrame(this.side, Frames.closeCode(payload), Frames.closeReason(payload));
			}
			// Pings and pongs of the peers are theirs: relayed, unless the tunnel is closing.
			return Tunnel.this.gatewayReason == null;
		}

		@Override
		public void onMessageTooBig(long size) {
			logger.info(describe() + ": " + this.side.name() + " sent a message of at least " + size
					+ " bytes, over the limit of " + Tunnel.this.settings.maxMessageSize().toBytes()
					+ " bytes (switchboard.max-message-size); closing with 1009");
			int senderCode = MESSAGE_TOO_BIG;
			String senderText = "message too big";
			String peerText = this.side.name() + " sent a message too big";
			if (this.side.isClient) {
				closeByGateway(GatewayCloseReason.MESSAGE_TOO_BIG, senderCode, senderText, GOING_AWAY, peerText);
			}
			else {
				closeByGateway(GatewayCloseReason.MESSAGE_TOO_BIG, GOING_AWAY, peerText, senderCode, senderText);
			}
		}

		@Override
		public void onProtocolError(String problem) {
			logger.info(describe() + ": " + this.side.name() + " broke the WebSocket protocol (" + problem
					+ "); closing with 1002");
			closeByGateway(GatewayCloseReason.PROTOCOL_ERROR, PROTOCOL_ERROR, "protocol error");
		}

	}

}

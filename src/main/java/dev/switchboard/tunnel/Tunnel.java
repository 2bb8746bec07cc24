package dev.switchboard.tunnel;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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

	private final TunnelOrigin origin;

	private final TunnelSettings settings;

	private final TunnelListener listener;

	private final TunnelSide client;

	private final TunnelSide backend;

	private final long openedAtNanos;

	private ScheduledFuture<?> closeTimer;

	/** The next heartbeat, idle or lifetime deadline; one timer per tunnel. */
	private ScheduledFuture<?> policyTimer;

	/** When a data frame last crossed the tunnel in either direction (System.nanoTime). */
	private long lastData;

	private CloseInitiator initiator;

	private int closeCode = Frames.ABNORMAL;

	private String closeReason = "";

	private GatewayCloseReason gatewayReason;

	private boolean ended;

	public Tunnel(TunnelOrigin origin, TunnelSettings settings, TunnelListener listener) {
		this.routeId = origin.routeId();
		this.origin = origin;
		this.settings = settings;
		this.listener = listener;
		this.client = new TunnelSide(this, true);
		this.backend = new TunnelSide(this, false);
		this.client.peer = this.backend;
		this.backend.peer = this.client;
		long max = settings.maxMessageSize().toBytes();
		this.client.scanner = new FrameScanner(max, new SideEvents(this.client), this.backend, origin.toBackend());
		this.backend.scanner = new FrameScanner(max, new SideEvents(this.backend), this.client, origin.toClient());
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
		long now = System.nanoTime();
		this.lastData = now;
		this.client.lastHeard = now;
		this.backend.lastHeard = now;
		schedulePolicy(now);
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

	/** The backend instance ({@code host:port}) this tunnel is connected to, after load balancing. */
	public String backendInstance() {
		return this.origin.backendInstance();
	}

	public TunnelOrigin origin() {
		return this.origin;
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
		side.sendOwnFrame(Frames.close(side.ctx.alloc(), code, reason, !side.isClient), true, false);
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

	/** Called for every read: the side is alive, and any data frame in it is activity. */
	void heard(TunnelSide side) {
		if (this.policyTimer == null) {
			return;
		}
		long now = System.nanoTime();
		side.lastHeard = now;
		side.pingSentAt = 0;
		FrameScanner peerScanner = side.peer.scanner;
		if (side.scanner.dataSeen || peerScanner.dataSeen) {
			side.scanner.dataSeen = false;
			peerScanner.dataSeen = false;
			this.lastData = now;
		}
	}

	private void schedulePolicy(long now) {
		long next = nextDeadline(now);
		if (next != Long.MAX_VALUE) {
			this.policyTimer = this.client.ctx.executor().schedule(this::checkPolicy, Math.max(0, next - now),
					TimeUnit.NANOSECONDS);
		}
	}

	/** Runs at the earliest deadline: pings silent sides, declares unanswering ones dead, ends idle or old tunnels. */
	private void checkPolicy() {
		this.policyTimer = null;
		if (this.ended || this.gatewayReason != null) {
			return;
		}
		long now = System.nanoTime();
		if (this.client.scanner.dataSeen || this.backend.scanner.dataSeen) {
			// Activity scanned after the last read that looked (the scanner marks it as it parses).
			this.client.scanner.dataSeen = false;
			this.backend.scanner.dataSeen = false;
			this.lastData = now;
		}
		if (!this.settings.maxLifetime().isZero() && now - this.openedAtNanos >= this.settings.maxLifetime().toNanos()) {
			closeByGateway(GatewayCloseReason.MAX_LIFETIME, GOING_AWAY, "max lifetime");
			return;
		}
		if (!this.settings.idleTimeout().isZero() && now - this.lastData >= this.settings.idleTimeout().toNanos()) {
			closeByGateway(GatewayCloseReason.IDLE_TIMEOUT, GOING_AWAY, "idle timeout");
			return;
		}
		if (this.settings.heartbeatsEnabled()) {
			for (TunnelSide side : new TunnelSide[] { this.client, this.backend }) {
				if (side.pingSentAt != 0 && now - side.pingSentAt >= this.settings.heartbeatTimeout().toNanos()) {
					deadPeer(side);
					return;
				}
				if (side.pingSentAt == 0 && now - side.lastHeard >= this.settings.heartbeatInterval().toNanos()) {
					side.pingSentAt = now;
					side.sendOwnFrame(Frames.control(side.ctx.alloc(), Frames.OP_PING, Frames.HEARTBEAT, !side.isClient),
							false, false);
				}
			}
		}
		schedulePolicy(now);
	}

	private long nextDeadline(long now) {
		long next = Long.MAX_VALUE;
		if (!this.settings.maxLifetime().isZero()) {
			next = Math.min(next, this.openedAtNanos + this.settings.maxLifetime().toNanos());
		}
		if (!this.settings.idleTimeout().isZero()) {
			next = Math.min(next, this.lastData + this.settings.idleTimeout().toNanos());
		}
		if (this.settings.heartbeatsEnabled()) {
			for (TunnelSide side : new TunnelSide[] { this.client, this.backend }) {
				next = Math.min(next, (side.pingSentAt != 0) ? side.pingSentAt + this.settings.heartbeatTimeout().toNanos()
						: side.lastHeard + this.settings.heartbeatInterval().toNanos());
			}
		}
		return next;
	}

	/** A side did not answer the gateway's ping: its connection is dropped and the other side told why. */
	private void deadPeer(TunnelSide dead) {
		logger.info(describe() + ": " + dead.name() + " did not answer a ping within "
				+ this.settings.heartbeatTimeout().toMillis() + "ms (switchboard.heartbeat-timeout); closing the tunnel");
		TunnelSide other = dead.peer;
		// No close frame for the dead side: it is not listening. The other side learns why.
		dead.closeSent = true;
		dead.closeSentByGateway = true;
		int code = dead.isClient ? GOING_AWAY : BACKEND_LOST;
		String reason = dead.name() + " not responding";
		closeByGateway(GatewayCloseReason.DEAD_PEER, code, reason, code, reason);
		dead.ctx.close();
		if (other.inactive) {
			end();
		}
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
				other.sendOwnFrame(Frames.close(other.ctx.alloc(), code, reason, !other.isClient), true, false);
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
		if (this.policyTimer != null) {
			this.policyTimer.cancel(false);
		}
		this.listener.onClose(this, new TunnelSummary(this.origin,
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
			if (Tunnel.this.gatewayReason != null) {
				return false;
			}
			if (opcode == Frames.OP_PONG && Frames.isHeartbeat(payload)) {
				// The answer to the gateway's own ping: the read already counted it as a sign of life.
				return false;
			}
			if (opcode == Frames.OP_PING && Tunnel.this.settings.answerPings()) {
				this.side.sendOwnFrame(Frames.control(this.side.ctx.alloc(), Frames.OP_PONG, payload, !this.side.isClient),
						false, false);
				return false;
			}
			// The peers' own pings and pongs are theirs: relayed.
			return true;
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

package dev.switchboard.tunnel;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A WebSocket tunnel between a client and a backend after a successful handshake. Bytes
 * pass as they are; the tunnel only watches frame boundaries, so close codes, reasons,
 * extensions (e.g. permessage-deflate) and subprotocol data reach the other side exactly
 * as sent.
 *
 * It owns the close handshake: a close frame from one side is relayed and its answer
 * relayed back; when one side's TCP connection dies without a close frame, the other side
 * gets a real close frame (1011 when the backend is lost, 1001 when the client is), never
 * a silent drop. What is due when (heartbeats, dead peers, idle timeout, lifetime) is
 * decided by its {@link TunnelPolicy}; each side's I/O and close state is its
 * {@link TunnelSide}.
 */
public final class Tunnel {

	private static final Log logger = LogFactory.getLog(Tunnel.class);

	/** Close code sent to a client whose backend vanished. */
	static final int BACKEND_LOST = 1011;

	/**
	 * Close code sent to a backend whose client vanished, and to both sides when the
	 * gateway leaves.
	 */
	static final int GOING_AWAY = 1001;

	static final int MESSAGE_TOO_BIG = 1009;

	private final TunnelOrigin origin;

	private final TunnelSettings settings;

	private final TunnelListener listener;

	private final TunnelSide client;

	private final TunnelSide backend;

	private final long openedAtNanos;

	private TunnelPolicy policy;

	private ScheduledFuture<?> closeTimer;

	/** The one timer, at the policy's next deadline. */
	private ScheduledFuture<?> policyTimer;

	/**
	 * When the policy timer fires (nanoTime), to bring it forward when a frame clock
	 * starts.
	 */
	private long policyTimerAt;

	private CloseInitiator initiator;

	private int closeCode = Frames.ABNORMAL;

	private String closeReason = "";

	private GatewayCloseReason gatewayReason;

	private boolean ended;

	/**
	 * A tunnel over two connections whose handshake succeeded.
	 * @param allowedRsv the RSV bits the negotiated extensions use (see
	 * {@link Frames#allowedRsv})
	 */
	public Tunnel(TunnelOrigin origin, TunnelSettings settings, int allowedRsv, TunnelListener listener) {
		this.origin = origin;
		this.settings = settings;
		this.listener = listener;
		this.client = new TunnelSide(this, true);
		this.backend = new TunnelSide(this, false);
		this.client.peer = this.backend;
		this.backend.peer = this.client;
		long max = settings.maxMessageSize().toBytes();
		this.openedAtNanos = System.nanoTime();
		// Each direction has limits of its own.
		this.client.scanner = new FrameScanner(max, true, allowedRsv, new SideEvents(this.client), this.backend,
				origin.toBackend(), RateLimit.of(settings, this.openedAtNanos));
		this.backend.scanner = new FrameScanner(max, false, allowedRsv, new SideEvents(this.backend), this.client,
				origin.toClient(), RateLimit.of(settings, this.openedAtNanos));
	}

	/** The handler to put on the client's channel. */
	public ChannelHandler clientHandler() {
		return this.client;
	}

	/** The handler to put on the backend's channel. */
	public ChannelHandler backendHandler() {
		return this.backend;
	}

	/** Writes the handshake answer, before any relayed byte. */
	public void writeToClient(ByteBuf bytes) {
		this.client.ctx.writeAndFlush(bytes, this.client.ctx.voidPromise());
	}

	/**
	 * Counts the tunnel open (registry, meters, the balancer's per-instance counts).
	 * Called before the client sees the {@code 101} or any relayed byte: a client that
	 * opens its next connection at once must find this one counted, or the balancer's
	 * least-tunnels choice would not see it (a test saw 10/9/11 instead of 10/10/10 on a
	 * busy machine).
	 */
	public void announce() {
		this.listener.onOpen(this);
	}

	/**
	 * Starts relaying; both handlers must be in their pipelines and the tunnel announced.
	 */
	public void start() {
		long now = System.nanoTime();
		this.policy = new TunnelPolicy(this.settings, now);
		schedulePolicy(now);
		int high = (int) Math.min(Integer.MAX_VALUE, this.settings.maxBufferedBytes().toBytes());
		WriteBufferWaterMark bound = new WriteBufferWaterMark(high / 2, high);
		for (TunnelSide side : new TunnelSide[] { this.client, this.backend }) {
			Channel channel = side.ctx.channel();
			// Past the high mark the channel turns unwritable and the other side stops
			// reading (TunnelSide.channelWritabilityChanged).
			channel.config().setWriteBufferWaterMark(bound);
			channel.config().setAutoRead(true);
			channel.read();
		}
	}

	public String routeId() {
		return this.origin.routeId();
	}

	/**
	 * The backend instance ({@code host:port}) this tunnel is connected to, after load
	 * balancing.
	 */
	public String backendInstance() {
		return this.origin.backendInstance();
	}

	public TunnelOrigin origin() {
		return this.origin;
	}

	/**
	 * The settings the tunnel started with (a reloaded configuration does not change
	 * them).
	 */
	public TunnelSettings settings() {
		return this.settings;
	}

	/**
	 * Ends the tunnel from the gateway's side: both peers get a close frame with this
	 * code.
	 */
	public void close(GatewayCloseReason reason) {
		closeAfter(0, reason, reason.code(), reason.description());
	}

	/**
	 * Ends the tunnel from the gateway's side after {@code delayNanos}: the client gets
	 * {@code clientCode}, the backend the reason's own code.
	 */
	public void closeAfter(long delayNanos, GatewayCloseReason reason, int clientCode, String clientText) {
		Runnable close = () -> closeByGateway(reason, clientCode, clientText, reason.code(), reason.description());
		Channel channel = this.client.ctx.channel();
		if (delayNanos > 0) {
			channel.eventLoop().schedule(close, delayNanos, TimeUnit.NANOSECONDS);
		}
		else if (channel.eventLoop().inEventLoop()) {
			close.run();
		}
		else {
			channel.eventLoop().execute(close);
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
		this.client.sendGatewayClose(clientCode, clientText);
		this.backend.sendGatewayClose(backendCode, backendText);
		startCloseTimer();
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
			// The answer to the gateway's own close frame, or the other side already has
			// the gateway's: relaying it would hand that side a second close frame. This
			// side is done.
			from.closeAfterFlush();
			return false;
		}
		to.closeSent = true;
		if (from.closeSent) {
			// This answers the close the other side started: the handshake is complete
			// both ways and the backend should now end the TCP connection; make sure it
			// does.
			startCloseTimer();
		}
		return true;
	}

	/**
	 * Called for every read: the side is alive, and any data frame scanned since is
	 * activity.
	 */
	void heard(TunnelSide side) {
		if (this.policy == null) {
			return;
		}
		long now = System.nanoTime();
		this.policy.heard(side.isClient, now);
		takeDataSeen(now);
		if (this.policy.frame(side.isClient, side.scanner.midFrame(), now)) {
			clockStarted(now);
		}
	}

	/**
	 * Called when a side's connection stops or starts taking bytes: a side that stays
	 * unwritable is a slow consumer.
	 */
	void writabilityChanged(TunnelSide side, boolean writable) {
		if (this.policy == null) {
			return;
		}
		long now = System.nanoTime();
		if (this.policy.writable(side.isClient, writable, now)) {
			clockStarted(now);
		}
	}

	/**
	 * A frame or stall clock started: when its deadline comes before the timer, bring the
	 * timer forward.
	 */
	private void clockStarted(long now) {
		if (!this.ended && this.gatewayReason == null
				&& (this.policyTimer == null || this.policy.nextDelay(now) < this.policyTimerAt - now)) {
			if (this.policyTimer != null) {
				this.policyTimer.cancel(false);
			}
			schedulePolicy(now);
		}
	}

	/**
	 * Data frames scanned since the last look (the scanners mark them as they parse) are
	 * activity.
	 */
	private void takeDataSeen(long now) {
		if (this.client.scanner.takeDataSeen() | this.backend.scanner.takeDataSeen()) {
			this.policy.data(now);
		}
	}

	private void schedulePolicy(long now) {
		long delay = this.policy.nextDelay(now);
		if (delay != Long.MAX_VALUE) {
			this.policyTimerAt = now + Math.max(0, delay);
			this.policyTimer = this.client.ctx.executor()
				.schedule(this::checkPolicy, Math.max(0, delay), TimeUnit.NANOSECONDS);
		}
		else {
			this.policyTimer = null;
		}
	}

	/** Runs at the policy's next deadline and carries out what is due. */
	private void checkPolicy() {
		this.policyTimer = null;
		if (this.ended || this.gatewayReason != null) {
			return;
		}
		long now = System.nanoTime();
		takeDataSeen(now);
		TunnelPolicy.Due due = this.policy.due(now);
		if (due.close() == GatewayCloseReason.DEAD_PEER) {
			deadPeer(due.sideIsClient() ? this.client : this.backend);
			return;
		}
		if (due.close() == GatewayCloseReason.FRAME_TIMEOUT) {
			TunnelSide slow = due.sideIsClient() ? this.client : this.backend;
			logger.info(describe() + ": " + slow.name() + " did not finish a frame within "
					+ this.settings.frameTimeout().toMillis() + "ms (switchboard.frame-timeout); closing with 1008");
			fail(slow, GatewayCloseReason.FRAME_TIMEOUT);
			return;
		}
		if (due.close() == GatewayCloseReason.SLOW_CONSUMER) {
			TunnelSide stuck = due.sideIsClient() ? this.client : this.backend;
			logger.info(describe() + ": " + stuck.name() + " took no bytes for "
					+ this.settings.slowConsumerTimeout().toMillis()
					+ "ms while more were waiting for it (switchboard.slow-consumer-timeout); closing with 1008");
			slowConsumer(stuck);
			return;
		}
		if (due.close() != null) {
			closeByGateway(due.close(), GOING_AWAY, due.close().description());
			return;
		}
		if (due.pingClient()) {
			this.client.sendHeartbeat();
		}
		if (due.pingBackend()) {
			this.backend.sendHeartbeat();
		}
		schedulePolicy(now);
	}

	/**
	 * A side did not answer the gateway's ping: its connection is dropped and the other
	 * side told why.
	 */
	private void deadPeer(TunnelSide dead) {
		logger.info(describe() + ": " + dead.name() + " did not answer a ping within "
				+ this.settings.heartbeatTimeout().toMillis()
				+ "ms (switchboard.heartbeat-timeout); closing the tunnel");
		int code = dead.isClient ? GOING_AWAY : BACKEND_LOST;
		String reason = dead.name() + " not responding";
		drop(dead, GatewayCloseReason.DEAD_PEER, code, reason, code, reason);
	}

	/**
	 * A side took nothing for the slow-consumer timeout: its connection is closed at
	 * once, what was queued for it discarded (a close frame would only queue behind it),
	 * and the other side told why.
	 */
	private void slowConsumer(TunnelSide stuck) {
		GatewayCloseReason reason = GatewayCloseReason.SLOW_CONSUMER;
		drop(stuck, reason, reason.code(), reason.description(), GOING_AWAY, stuck.name() + " " + reason.description());
	}

	/**
	 * Drops a side the gateway cannot talk to (dead, or not reading): no close frame for
	 * it, its connection closed at once; the other side gets a close frame saying why.
	 * {@code goneCode} and {@code goneText} are what the tunnel records for the dropped
	 * side.
	 */
	private void drop(TunnelSide gone, GatewayCloseReason reason, int goneCode, String goneText, int otherCode,
			String otherText) {
		gone.abandon();
		if (gone.isClient) {
			closeByGateway(reason, goneCode, goneText, otherCode, otherText);
		}
		else {
			closeByGateway(reason, otherCode, otherText, goneCode, goneText);
		}
		gone.ctx.close();
		if (gone.peer.inactive) {
			end();
		}
	}

	/**
	 * Fails the offender's connection (RFC 6455, 7.1.7): it gets the reason's close code
	 * and its TCP connection is closed right after, no answer awaited. The other side
	 * gets 1001 and the usual close handshake, or, when part of the offender's frame
	 * already reached it, a closed connection (no frame can follow half a frame).
	 */
	private void fail(TunnelSide offender, GatewayCloseReason reason) {
		TunnelSide other = offender.peer;
		if (this.ended || this.gatewayReason != null) {
			offender.ctx.close();
			return;
		}
		this.gatewayReason = reason;
		if (this.initiator == null) {
			this.initiator = CloseInitiator.GATEWAY;
			this.closeCode = reason.code();
			this.closeReason = reason.description();
		}
		this.client.scanner.discardData();
		this.backend.scanner.discardData();
		offender.sendGatewayClose(reason.code(), reason.description());
		offender.closeAfterFlush();
		if (offender.scanner.atBoundary()) {
			other.sendGatewayClose(GOING_AWAY, offender.name() + " " + reason.description());
			startCloseTimer();
		}
		else {
			other.ctx.close();
		}
	}

	void onInactive(TunnelSide side) {
		TunnelSide other = side.peer;
		if (other.inactive) {
			end();
			return;
		}
		if (!side.closeReceived && this.gatewayReason == null) {
			// The TCP connection died without a close frame: tell the other side with a
			// real one.
			if (this.initiator == null) {
				this.initiator = side.isClient ? CloseInitiator.CLIENT : CloseInitiator.BACKEND;
			}
			logger.debug(describe() + ": " + side.name() + " connection closed without a close frame");
			if (!side.scanner.atBoundary()) {
				// It died in the middle of a frame towards the other side: no frame can
				// follow that.
				other.ctx.close();
				return;
			}
			other.sendGatewayClose(side.isClient ? GOING_AWAY : BACKEND_LOST,
					side.isClient ? "client connection lost" : "backend connection lost");
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
		this.listener.onClose(this,
				new TunnelSummary(this.origin, (this.initiator == null) ? CloseInitiator.BACKEND : this.initiator,
						this.closeCode, this.closeReason, this.gatewayReason, System.nanoTime() - this.openedAtNanos,
						this.client.scanner.messages, this.client.scanner.bytes, this.backend.scanner.messages,
						this.backend.scanner.bytes));
	}

	String describe() {
		Channel channel = this.client.ctx.channel();
		return "Tunnel [route " + routeId() + ", client " + channel.remoteAddress() + " <-> backend "
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
				// The answer to the gateway's own ping: the read already counted it as a
				// sign of life.
				return false;
			}
			if (opcode == Frames.OP_PING && Tunnel.this.settings.answerPings()) {
				this.side.sendPong(payload);
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
			String peerText = this.side.name() + " sent a message too big";
			if (this.side.isClient) {
				closeByGateway(GatewayCloseReason.MESSAGE_TOO_BIG, MESSAGE_TOO_BIG, "message too big", GOING_AWAY,
						peerText);
			}
			else {
				closeByGateway(GatewayCloseReason.MESSAGE_TOO_BIG, GOING_AWAY, peerText, MESSAGE_TOO_BIG,
						"message too big");
			}
		}

		@Override
		public void onProtocolError(String problem) {
			logger.info(describe() + ": " + this.side.name() + " broke the WebSocket protocol (" + problem
					+ "); closing with 1002");
			fail(this.side, GatewayCloseReason.PROTOCOL_ERROR);
		}

		@Override
		public void onRateLimited(String setting) {
			logger.info(describe() + ": " + this.side.name() + " sent faster than switchboard." + setting
					+ " allows, beyond its burst of " + Tunnel.this.settings.rateLimitBurst().toMillis()
					+ "ms (switchboard.rate-limit-burst); closing with 1008");
			fail(this.side, GatewayCloseReason.RATE_LIMIT);
		}

	}

}

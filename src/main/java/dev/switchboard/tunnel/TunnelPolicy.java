package dev.switchboard.tunnel;

/**
 * When a tunnel must act, and what it must do then: ping a side that has gone quiet,
 * declare dead a side that did not answer, end a tunnel that carried no data for the idle
 * timeout or outlived its maximum lifetime, fail a side whose frame (or fragmented
 * message) did not complete within the frame timeout, fail a side that took no bytes for
 * the slow-consumer timeout while the other side had more for it. Pure: it reads no clock
 * and touches no socket. The tunnel feeds it {@code System.nanoTime()} values, keeps one
 * timer at {@link #nextDelay(long)}, and carries out what {@link #due(long)} answers.
 */
final class TunnelPolicy {

	/** Nothing is due. */
	static final Due NOTHING = new Due(null, false, false, false);

	private final long heartbeatInterval;

	private final long heartbeatTimeout;

	private final long idleTimeout;

	private final long maxLifetime;

	private final long frameTimeout;

	private final long slowConsumerTimeout;

	private final long openedAt;

	/** When a data frame last crossed the tunnel in either direction. */
	private long lastData;

	private final SideClock client;

	private final SideClock backend;

	TunnelPolicy(TunnelSettings settings, long now) {
		this.heartbeatInterval = settings.heartbeatInterval().toNanos();
		this.heartbeatTimeout = settings.heartbeatTimeout().toNanos();
		this.idleTimeout = settings.idleTimeout().toNanos();
		this.maxLifetime = settings.maxLifetime().toNanos();
		this.frameTimeout = settings.frameTimeout().toNanos();
		this.slowConsumerTimeout = settings.slowConsumerTimeout().toNanos();
		this.openedAt = now;
		this.lastData = now;
		this.client = new SideClock(now);
		this.backend = new SideClock(now);
	}

	/** The side sent something: it is alive, and any ping to it is answered. */
	void heard(boolean fromClient, long now) {
		SideClock side = fromClient ? this.client : this.backend;
		side.lastHeard = now;
		side.pinged = false;
	}

	/**
	 * Whether the side is in the middle of a frame or fragmented message after its last
	 * read.
	 * @return true when a frame clock started now (the next deadline may have come
	 * closer)
	 */
	boolean frame(boolean fromClient, boolean midFrame, long now) {
		SideClock side = fromClient ? this.client : this.backend;
		if (!midFrame) {
			side.inFrame = false;
			return false;
		}
		if (side.inFrame || this.frameTimeout <= 0) {
			return false;
		}
		side.inFrame = true;
		side.frameStartedAt = now;
		return true;
	}

	/**
	 * Whether the side's connection can take more bytes now (its channel's writability).
	 * @return true when a stall clock started now (the next deadline may have come
	 * closer)
	 */
	boolean writable(boolean toClient, boolean writable, long now) {
		SideClock side = toClient ? this.client : this.backend;
		if (writable) {
			side.stalled = false;
			return false;
		}
		if (side.stalled || this.slowConsumerTimeout <= 0) {
			return false;
		}
		side.stalled = true;
		side.stalledSince = now;
		return true;
	}

	/**
	 * A data frame (text, binary or continuation) crossed the tunnel: activity for the
	 * idle timeout.
	 */
	void data(long now) {
		this.lastData = now;
	}

	/**
	 * How long from {@code now} until something may be due (zero or less: already), or
	 * {@link Long#MAX_VALUE} when nothing ever is. Computed from differences, never by
	 * comparing absolute {@code nanoTime} values, which may wrap around.
	 */
	long nextDelay(long now) {
		long next = Long.MAX_VALUE;
		if (this.maxLifetime > 0) {
			next = Math.min(next, this.openedAt - now + this.maxLifetime);
		}
		if (this.idleTimeout > 0) {
			next = Math.min(next, this.lastData - now + this.idleTimeout);
		}
		if (this.frameTimeout > 0) {
			next = Math.min(next, this.client.frameDelay(now, this.frameTimeout));
			next = Math.min(next, this.backend.frameDelay(now, this.frameTimeout));
		}
		if (this.slowConsumerTimeout > 0) {
			next = Math.min(next, this.client.stallDelay(now, this.slowConsumerTimeout));
			next = Math.min(next, this.backend.stallDelay(now, this.slowConsumerTimeout));
		}
		if (this.heartbeatInterval > 0) {
			next = Math.min(next, this.client.delay(now, this.heartbeatInterval, this.heartbeatTimeout));
			next = Math.min(next, this.backend.delay(now, this.heartbeatInterval, this.heartbeatTimeout));
		}
		return next;
	}

	/**
	 * What is due at {@code now}, in order: the maximum lifetime, the idle timeout, a
	 * side whose frame is overdue (client first), a side stalled past the slow-consumer
	 * timeout (client first), a side that did not answer its ping (client first), pings
	 * to quiet sides. Pings it asks for count as sent.
	 */
	Due due(long now) {
		if (this.maxLifetime > 0 && now - this.openedAt >= this.maxLifetime) {
			return new Due(GatewayCloseReason.MAX_LIFETIME, false, false, false);
		}
		if (this.idleTimeout > 0 && now - this.lastData >= this.idleTimeout) {
			return new Due(GatewayCloseReason.IDLE_TIMEOUT, false, false, false);
		}
		if (this.client.frameOverdue(now, this.frameTimeout)) {
			return new Due(GatewayCloseReason.FRAME_TIMEOUT, true, false, false);
		}
		if (this.backend.frameOverdue(now, this.frameTimeout)) {
			return new Due(GatewayCloseReason.FRAME_TIMEOUT, false, false, false);
		}
		if (this.client.stallOverdue(now, this.slowConsumerTimeout)) {
			return new Due(GatewayCloseReason.SLOW_CONSUMER, true, false, false);
		}
		if (this.backend.stallOverdue(now, this.slowConsumerTimeout)) {
			return new Due(GatewayCloseReason.SLOW_CONSUMER, false, false, false);
		}
		if (this.heartbeatInterval <= 0) {
			return NOTHING;
		}
		if (this.client.unanswered(now, this.heartbeatTimeout)) {
			return new Due(GatewayCloseReason.DEAD_PEER, true, false, false);
		}
		if (this.backend.unanswered(now, this.heartbeatTimeout)) {
			return new Due(GatewayCloseReason.DEAD_PEER, false, false, false);
		}
		boolean pingClient = this.client.ping(now, this.heartbeatInterval);
		boolean pingBackend = this.backend.ping(now, this.heartbeatInterval);
		return (pingClient || pingBackend) ? new Due(null, false, pingClient, pingBackend) : NOTHING;
	}

	/**
	 * What the tunnel must do.
	 *
	 * @param close the gateway closes the tunnel for this reason, or null
	 * @param sideIsClient with {@link GatewayCloseReason#DEAD_PEER},
	 * {@link GatewayCloseReason#FRAME_TIMEOUT} and
	 * {@link GatewayCloseReason#SLOW_CONSUMER}: whether the client (else the backend) is
	 * the side concerned
	 * @param pingClient send the client a heartbeat ping
	 * @param pingBackend send the backend a heartbeat ping
	 */
	record Due(GatewayCloseReason close, boolean sideIsClient, boolean pingClient, boolean pingBackend) {
	}

	/** One side's heartbeat, frame and stall clocks. */
	private static final class SideClock {

		long lastHeard;

		boolean pinged;

		long pingSentAt;

		boolean inFrame;

		long frameStartedAt;

		boolean stalled;

		long stalledSince;

		SideClock(long now) {
			this.lastHeard = now;
		}

		long delay(long now, long interval, long timeout) {
			return this.pinged ? this.pingSentAt - now + timeout : this.lastHeard - now + interval;
		}

		long frameDelay(long now, long timeout) {
			return this.inFrame ? this.frameStartedAt - now + timeout : Long.MAX_VALUE;
		}

		boolean frameOverdue(long now, long timeout) {
			return this.inFrame && timeout > 0 && now - this.frameStartedAt >= timeout;
		}

		long stallDelay(long now, long timeout) {
			return this.stalled ? this.stalledSince - now + timeout : Long.MAX_VALUE;
		}

		boolean stallOverdue(long now, long timeout) {
			return this.stalled && timeout > 0 && now - this.stalledSince >= timeout;
		}

		boolean unanswered(long now, long timeout) {
			return this.pinged && now - this.pingSentAt >= timeout;
		}

		/**
		 * Whether a ping is due now (quiet for the interval, none outstanding); if so it
		 * counts as sent.
		 */
		boolean ping(long now, long interval) {
			if (this.pinged || now - this.lastHeard < interval) {
				return false;
			}
			this.pinged = true;
			this.pingSentAt = now;
			return true;
		}

	}

}

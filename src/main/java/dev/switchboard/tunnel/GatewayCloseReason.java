package dev.switchboard.tunnel;

import java.util.Locale;

/** Why the gateway itself ended a tunnel, with the close code both peers receive. */
public enum GatewayCloseReason {

	/** The gateway is shutting down. */
	SHUTDOWN(1001, "gateway shutting down"),

	/**
	 * A peer sent a message over the size limit (the sender gets 1009, the other side
	 * 1001).
	 */
	MESSAGE_TOO_BIG(1009, "message too big"),

	/**
	 * A peer sent a frame no endpoint may send (it gets 1002 and its connection is
	 * closed, the other side 1001).
	 */
	PROTOCOL_ERROR(1002, "protocol error"),

	/**
	 * A peer started a frame or fragmented message and did not finish it within the frame
	 * timeout (1008, then 1001).
	 */
	FRAME_TIMEOUT(1008, "frame timeout"),

	/**
	 * A peer took no bytes for the slow-consumer timeout while the other side had more
	 * for it (1008, its connection closed at once; the other side 1001).
	 */
	SLOW_CONSUMER(1008, "slow consumer"),

	/**
	 * The token the tunnel was opened with expired (grace included): both sides get 1008.
	 */
	TOKEN_EXPIRED(1008, "token expired"),

	/**
	 * A peer sent messages or bytes faster than the route's rate limits allow, beyond the
	 * burst allowance (1008, its connection closed at once; the other side 1001).
	 */
	RATE_LIMIT(1008, "rate limit"),

	/**
	 * Its route was removed by a new configuration whose on-removal policy is drain or
	 * close.
	 */
	ROUTE_REMOVED(1001, "route removed"),

	/**
	 * Its backend instance is being drained; the client reconnects and lands elsewhere.
	 */
	DRAIN(1001, "backend draining"),

	/** No data frame crossed the tunnel for the route's idle timeout. */
	IDLE_TIMEOUT(1001, "idle timeout"),

	/** The tunnel reached the route's maximum lifetime. */
	MAX_LIFETIME(1001, "max lifetime"),

	/**
	 * A side did not answer a heartbeat ping in time (the client gets 1011, the backend
	 * 1001).
	 */
	DEAD_PEER(1011, "peer not responding");

	private final int code;

	private final String description;

	GatewayCloseReason(int code, String description) {
		this.code = code;
		this.description = description;
	}

	public int code() {
		return this.code;
	}

	public String description() {
		return this.description;
	}

	public String tag() {
		return name().toLowerCase(Locale.ROOT);
	}

}

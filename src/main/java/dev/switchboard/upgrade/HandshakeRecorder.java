package dev.switchboard.upgrade;

import java.util.List;

import org.springframework.web.server.ServerWebExchange;

/** Told how every WebSocket handshake ended, for metrics and the access log. */
public interface HandshakeRecorder {

	HandshakeRecorder NONE = (exchange, routeId, outcome, status, durationNanos) -> {
	};

	/**
	 * Records one handshake's outcome.
	 * @param exchange the handshake's exchange
	 * @param routeId its route
	 * @param outcome how it ended
	 * @param status the status the client got
	 * @param durationNanos time from request to the gateway's answer
	 */
	void record(ServerWebExchange exchange, String routeId, HandshakeOutcome outcome, int status, long durationNanos);

	/**
	 * Records one handshake's outcome with every recorder: the tunnel filter's, and those
	 * answered before it (shed, rate-limited).
	 */
	static void recordAll(List<HandshakeRecorder> recorders, ServerWebExchange exchange, String routeId,
			HandshakeOutcome outcome, int status, long durationNanos) {
		for (HandshakeRecorder recorder : recorders) {
			recorder.record(exchange, routeId, outcome, status, durationNanos);
		}
	}

}

package dev.switchboard.upgrade;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * A rule that may refuse a WebSocket handshake at the edge, before anything reaches the
 * backend (an origin allow-list; later authentication and limits). The tunnel filter asks
 * every policy bean, in order, once the request is a valid handshake.
 */
public interface HandshakePolicy {

	/**
	 * Judges one handshake.
	 * @param exchange the handshake request
	 * @param route its route
	 * @return null to let it through, or the refusal the client gets
	 */
	Refusal check(ServerWebExchange exchange, Route route);

	/**
	 * A refused handshake.
	 *
	 * @param status the HTTP status the client gets
	 * @param policy the policy's name, the {@code reason} tag of
	 * {@code switchboard_upgrades_total} (e.g. {@code origin})
	 * @param reason one line for the client and the log
	 */
	record Refusal(HttpStatus status, String policy, String reason) {
	}

}

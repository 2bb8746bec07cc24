package dev.switchboard.upgrade;

import org.springframework.web.server.ServerWebExchange;

/**
 * Traces WebSocket handshakes when tracing is on (see the {@code tracing} package). When
 * it is off the tunnel filter holds {@link #NONE}, and a handshake costs nothing for it.
 */
@FunctionalInterface
public interface HandshakeTracer {

	HandshakeTracer NONE = (exchange, routeId) -> null;

	/**
	 * Starts the span of one handshake.
	 * @param exchange the handshake's exchange
	 * @param routeId its route
	 * @return the span, or null when this handshake is not traced
	 */
	HandshakeSpan start(ServerWebExchange exchange, String routeId);

}

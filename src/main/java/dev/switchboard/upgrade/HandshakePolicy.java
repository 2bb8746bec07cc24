package dev.switchboard.upgrade;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * A rule that may refuse a WebSocket handshake at the edge, before anything reaches the
 * backend (an origin allow-list, authentication, limits). The tunnel filter asks every
 * policy bean, in order, once the request is a valid handshake, and stops at the first
 * refusal: cheap local checks come first, those that ask Redis or an identity provider
 * last.
 */
public interface HandshakePolicy extends Ordered {

	/** Where the origin allow-list runs: first, it costs nothing. */
	int ORIGIN = 100;

	/**
	 * Where authentication runs: after the origin, before the limits that count by
	 * subject.
	 */
	int AUTHENTICATION = 200;

	/** Where the tunnel limits run: last, they ask Redis and take a slot. */
	int LIMITS = 300;

	/**
	 * Judges one handshake.
	 * @param exchange the handshake request
	 * @param route its route
	 * @return empty to let it through, or the refusal the client gets
	 */
	Mono<Refusal> check(ServerWebExchange exchange, Route route);

	/**
	 * A refused handshake.
	 *
	 * @param status the HTTP status the client gets
	 * @param policy the policy's name, the {@code reason} tag of
	 * {@code switchboard_upgrades_total} (e.g. {@code origin})
	 * @param reason one line for the client and the log
	 * @param headers headers the client gets with it ({@code Retry-After},
	 * {@code WWW-Authenticate})
	 */
	record Refusal(HttpStatus status, String policy, String reason, Map<String, String> headers) {

		public Refusal(HttpStatus status, String policy, String reason) {
			this(status, policy, reason, Map.of());
		}

		/** The same refusal with one more header. */
		public Refusal with(String header, String value) {
			Map<String, String> more = new LinkedHashMap<>(this.headers);
			more.put(header, value);
			return new Refusal(this.status, this.policy, this.reason, more);
		}

		/** The same refusal telling the client when to try again, in whole seconds. */
		public Refusal retryAfter(Duration wait) {
			return with(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000)));
		}

	}

}

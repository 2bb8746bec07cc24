package dev.switchboard.limits;

import java.util.List;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.upgrade.HandshakeOutcome;
import dev.switchboard.upgrade.HandshakeRecorder;
import dev.switchboard.upgrade.UpgradeRequests;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Completes the 429 that Spring Cloud Gateway's {@code RequestRateLimiter} answers: with
 * {@code Retry-After} (the limiter only sends its own {@code X-RateLimit-*} headers),
 * and, for a WebSocket handshake, counted and logged like any handshake refused at the
 * edge ({@code refused_by_policy}, reason {@code rate}). A 429 relayed from a backend is
 * left as it is.
 */
class RateLimitAnswers implements GlobalFilter, Ordered {

	/** The {@code reason} tag of refusals. */
	static final String NAME = "rate";

	private final List<HandshakeRecorder> recorders;

	RateLimitAnswers(List<HandshakeRecorder> recorders) {
		this.recorders = recorders;
	}

	@Override
	public int getOrder() {
		// Around every route filter, the rate limiter included.
		return Ordered.HIGHEST_PRECEDENCE + 2000;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null || route.getFilters().isEmpty()) {
			return chain.filter(exchange);
		}
		long start = System.nanoTime();
		ServerHttpResponse response = exchange.getResponse();
		response.beforeCommit(() -> {
			if (HttpStatus.TOO_MANY_REQUESTS.equals(response.getStatusCode())
					&& exchange.getAttribute(CLIENT_RESPONSE_ATTR) == null
					&& exchange.getAttribute(ExchangeAttributes.TUNNEL_HANDLED) == null) {
				onRateLimited(exchange, route, System.nanoTime() - start);
			}
			return Mono.empty();
		});
		return chain.filter(exchange);
	}

	private void onRateLimited(ServerWebExchange exchange, Route route, long durationNanos) {
		HttpHeaders headers = exchange.getResponse().getHeaders();
		if (!headers.containsHeader(HttpHeaders.RETRY_AFTER)) {
			headers.set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds(headers)));
		}
		if (UpgradeRequests.isWebSocketUpgrade(exchange.getRequest().getHeaders())) {
			exchange.getAttributes().put(ExchangeAttributes.REFUSED_BY, NAME);
			HandshakeRecorder.recordAll(this.recorders, exchange, route.getId(), HandshakeOutcome.REFUSED_BY_POLICY,
					HttpStatus.TOO_MANY_REQUESTS.value(), durationNanos);
		}
	}

	/**
	 * The time one request's tokens take to come back, from the limiter's own headers
	 * (Redis rate limiter); a second when they are not there.
	 */
	private static long retryAfterSeconds(HttpHeaders headers) {
		String replenishHeader = headers.getFirst("X-RateLimit-Replenish-Rate");
		String requestedHeader = headers.getFirst("X-RateLimit-Requested-Tokens");
		try {
			double replenish = (replenishHeader != null) ? Double.parseDouble(replenishHeader) : 0;
			double requested = (requestedHeader != null) ? Double.parseDouble(requestedHeader) : 1;
			return (replenish > 0) ? Math.max(1, (long) Math.ceil(requested / replenish)) : 1;
		}
		catch (NumberFormatException ex) {
			return 1;
		}
	}

}

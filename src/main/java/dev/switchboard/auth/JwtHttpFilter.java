package dev.switchboard.auth;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.cors.reactive.CorsUtils;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ClientIdentity;
import dev.switchboard.ExchangeAttributes;
import dev.switchboard.OneLineAnswer;
import dev.switchboard.upgrade.HandshakePolicy;
import dev.switchboard.upgrade.UpgradeRequests;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * The same JWT check for plain HTTP on an {@code auth: jwt} route (a long-polling
 * fallback, the page's own API calls), so that a client refused a tunnel cannot reach the
 * backend over HTTP instead. WebSocket handshakes are left to the tunnel filter's
 * policies.
 */
class JwtHttpFilter implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(JwtHttpFilter.class);

	private final JwtPolicy policy;

	JwtHttpFilter(JwtPolicy policy) {
		this.policy = policy;
	}

	@Override
	public int getOrder() {
		// Once the request URL is known (a query token is taken out of it), before the
		// sticky filter and the load balancer do any work for the request.
		return RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		if (route == null || !this.policy.appliesTo(route)
				|| UpgradeRequests.isWebSocketUpgrade(exchange.getRequest().getHeaders())
				|| CorsUtils.isPreFlightRequest(exchange.getRequest())) {
			// A browser's CORS preflight never carries credentials: the actual request
			// that follows it is checked.
			return chain.filter(exchange);
		}
		return this.policy.check(exchange, route)
			.map((refusal) -> refuse(exchange, route, refusal))
			.defaultIfEmpty(Mono.defer(() -> chain.filter(withIdentity(exchange))))
			.flatMap((next) -> next);
	}

	private static ServerWebExchange withIdentity(ServerWebExchange exchange) {
		HttpHeaders identity = exchange.getAttribute(ExchangeAttributes.IDENTITY_HEADERS);
		if (identity == null) {
			return exchange;
		}
		return exchange.mutate()
			.request((request) -> request.headers((headers) -> ClientIdentity.applyTo(headers, identity)))
			.build();
	}

	private static Mono<Void> refuse(ServerWebExchange exchange, Route route, HandshakePolicy.Refusal refusal) {
		logger.info("Refused request from " + exchange.getRequest().getRemoteAddress() + " on route " + route.getId()
				+ ": " + refusal.reason());
		exchange.getAttributes().put(ExchangeAttributes.REFUSED_BY, refusal.policy());
		ServerHttpResponse response = exchange.getResponse();
		refusal.headers().forEach(response.getHeaders()::set);
		return OneLineAnswer.send(response, refusal.status(), refusal.reason());
	}

}

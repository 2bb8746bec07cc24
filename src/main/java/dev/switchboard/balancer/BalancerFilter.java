package dev.switchboard.balancer;

import java.net.ConnectException;
import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.FilterOrder;
import dev.switchboard.InstanceKey;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ALREADY_ROUTED_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.isAlreadyRouted;

/**
 * Every request on an {@code lb://} route, around Spring Cloud Gateway's load balancer:
 * leaves the {@link BalancedRequest} the balancer fills in (unless the sticky filter
 * already left one with the session's affinity), and sends a plain HTTP request whose
 * instance refused the connection through the balancer again, to another instance, when
 * it can be replayed (no body, or an idempotent method). WebSocket handshakes get the
 * same through {@link BalancerRetry}.
 */
class BalancerFilter implements GlobalFilter, Ordered {

	private final InstanceRouter router;

	BalancerFilter(InstanceRouter router) {
		this.router = router;
	}

	@Override
	public int getOrder() {
		return FilterOrder.BALANCER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		URI url = exchange.getAttribute(GATEWAY_REQUEST_URL_ATTR);
		if (url == null || !"lb".equalsIgnoreCase(url.getScheme()) || isAlreadyRouted(exchange)) {
			return chain.filter(exchange);
		}
		BalancedRequest request = exchange.getAttribute(ExchangeAttributes.BALANCED_REQUEST);
		if (request == null) {
			Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
			request = new BalancedRequest((route != null) ? route.getId() : "?", null);
			exchange.getAttributes().put(ExchangeAttributes.BALANCED_REQUEST, request);
		}
		return route(exchange, chain, request, url);
	}

	private Mono<Void> route(ServerWebExchange exchange, GatewayFilterChain chain, BalancedRequest request, URI url) {
		return chain.filter(exchange).onErrorResume((ex) -> retriable(exchange, request, ex), (ex) -> {
			if (this.router.reroute(request, InstanceKey.of(request.chosen), "connection refused") == null) {
				return Mono.error(ex);
			}
			// Through the balancer again, which now answers the instance chosen by
			// reroute.
			exchange.getAttributes().remove(GATEWAY_ALREADY_ROUTED_ATTR);
			exchange.getAttributes().put(GATEWAY_REQUEST_URL_ATTR, url);
			return route(exchange, chain, request, url);
		});
	}

	private static boolean retriable(ServerWebExchange exchange, BalancedRequest request, Throwable ex) {
		ServerHttpRequest http = exchange.getRequest();
		boolean bodiless = http.getHeaders().getContentLength() <= 0
				&& !http.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING);
		boolean idempotent = HttpMethod.GET.equals(http.getMethod()) || HttpMethod.HEAD.equals(http.getMethod())
				|| HttpMethod.OPTIONS.equals(http.getMethod());
		return request.chosen != null && !exchange.getResponse().isCommitted() && (bodiless || idempotent)
				&& refused(ex);
	}

	private static boolean refused(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException) {
				return true;
			}
		}
		return false;
	}

}

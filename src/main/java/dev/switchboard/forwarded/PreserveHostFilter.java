package dev.switchboard.forwarded;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.FilterOrder;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.PRESERVE_HOST_HEADER_ATTRIBUTE;

/**
 * Sends the client's own {@code Host} to backends on every route, as the stock per-route
 * {@code PreserveHostHeader} filter would: virtual-hosted and origin-checking backends
 * see the name the client used. Switched off with
 * {@code switchboard.forwarded.preserve-host=false}.
 */
public class PreserveHostFilter implements GlobalFilter, Ordered {

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		// An HTTP/1.0 request may come without Host: then there is nothing to preserve,
		// and the gateway's
		// HTTP client would fail on the missing value; the backend gets its own host:port
		// instead.
		if (exchange.getRequest().getHeaders().getHost() != null) {
			exchange.getAttributes().put(PRESERVE_HOST_HEADER_ATTRIBUTE, true);
		}
		return chain.filter(exchange);
	}

	@Override
	public int getOrder() {
		return FilterOrder.PRESERVE_HOST;
	}

}

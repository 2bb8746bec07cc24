package dev.switchboard.upgrade;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.FilterOrder;
import dev.switchboard.OneLineAnswer;

import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR;
import static org.springframework.cloud.gateway.support.ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR;

/**
 * Refuses a backend that answers 101 to a plain HTTP request, which never asked to switch
 * protocols: relaying it would hand the client a connection in a state it did not
 * request. The client gets 502 and the backend connection is dropped. Upgrade requests
 * never get here; the tunnel takes them.
 */
public class UnexpectedUpgradeGuard implements GlobalFilter, Ordered {

	private static final Log logger = LogFactory.getLog(UnexpectedUpgradeGuard.class);

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		return chain.filter(exchange).then(Mono.defer(() -> refuseUnaskedSwitch(exchange)));
	}

	private static Mono<Void> refuseUnaskedSwitch(ServerWebExchange exchange) {
		ServerHttpResponse response = exchange.getResponse();
		if (!HttpStatus.SWITCHING_PROTOCOLS.equals(response.getStatusCode())
				|| UpgradeRequests.isWebSocketUpgrade(exchange.getRequest().getHeaders())) {
			return Mono.empty();
		}
		Connection backend = exchange.getAttribute(CLIENT_RESPONSE_CONN_ATTR);
		exchange.getAttributes().remove(CLIENT_RESPONSE_CONN_ATTR);
		if (backend != null) {
			backend.dispose();
		}
		Route route = exchange.getAttribute(GATEWAY_ROUTE_ATTR);
		String reason = "backend answered 101 Switching Protocols to a request that did not ask to upgrade";
		logger.warn("Route " + ((route != null) ? route.getId() : "?") + ": " + reason + "; answered 502");
		response.getHeaders().clear();
		return OneLineAnswer.send(response, HttpStatus.BAD_GATEWAY, reason);
	}

	@Override
	public int getOrder() {
		return FilterOrder.PLAIN_RESPONSE_GUARD;
	}

}

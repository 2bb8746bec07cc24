package dev.switchboard.limits;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.web.server.ServerWebExchange;

import dev.switchboard.forwarded.ClientOrigin;

/**
 * Rate limits per client address, as resolved from trusted forwarded headers: the default
 * key of Spring Cloud Gateway's {@code RequestRateLimiter} here (its own default, the
 * principal's name, is empty on a gateway without a login, and would refuse every
 * request).
 */
class ClientAddressKeyResolver implements KeyResolver {

	private final ClientOrigin clientOrigin;

	ClientAddressKeyResolver(ClientOrigin clientOrigin) {
		this.clientOrigin = clientOrigin;
	}

	@Override
	public Mono<String> resolve(ServerWebExchange exchange) {
		return Mono.just(this.clientOrigin.clientAddress(exchange.getRequest()));
	}

}

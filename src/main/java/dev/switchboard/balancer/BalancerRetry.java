package dev.switchboard.balancer;

import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

import dev.switchboard.ExchangeAttributes;
import dev.switchboard.InstanceKey;
import dev.switchboard.upgrade.BackendRetry;
import dev.switchboard.upgrade.BackendUnavailableException;

/**
 * The tunnel's retry hook for {@code lb://} routes: a handshake whose instance cannot be
 * reached is sent to another instance of the group before any 101, and the unreachable
 * one is ejected.
 */
class BalancerRetry implements BackendRetry {

	private final InstanceRouter router;

	BalancerRetry(InstanceRouter router) {
		this.router = router;
	}

	@Override
	public Mono<URI> next(ServerWebExchange exchange, URI failed, BackendUnavailableException error) {
		BalancedRequest request = exchange.getAttribute(ExchangeAttributes.BALANCED_REQUEST);
		if (request == null || request.chosen == null) {
			return Mono.empty();
		}
		ServiceInstance next = this.router.reroute(request, InstanceKey.of(failed), error.getMessage());
		if (next == null) {
			return Mono.empty();
		}
		return Mono
			.just(UriComponentsBuilder.fromUri(failed).host(next.getHost()).port(next.getPort()).build(true).toUri());
	}

}

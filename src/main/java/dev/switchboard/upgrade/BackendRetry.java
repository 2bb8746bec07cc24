package dev.switchboard.upgrade;

import java.net.URI;

import reactor.core.publisher.Mono;

import org.springframework.web.server.ServerWebExchange;

/**
 * Decides, before any 101 is sent, whether a handshake whose backend could not be reached
 * is tried on another backend. The tunnel filter calls it after each
 * {@link BackendUnavailableException}, until it answers empty; the client then gets the
 * 502.
 */
@FunctionalInterface
public interface BackendRetry {

	/** Never retries: the first unreachable backend answers the handshake with 502. */
	BackendRetry NONE = (exchange, failed, error) -> Mono.empty();

	/**
	 * Names the backend to try next.
	 * @param exchange the handshake's exchange
	 * @param failed the backend that could not be reached
	 * @param error why
	 * @return the next backend to try, or empty to give up
	 */
	Mono<URI> next(ServerWebExchange exchange, URI failed, BackendUnavailableException error);

}

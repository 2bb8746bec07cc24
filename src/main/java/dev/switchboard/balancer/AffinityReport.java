package dev.switchboard.balancer;

import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.route.Route;

/**
 * What the feature that pins sessions to instances tells operators about a route, on
 * {@code /actuator/backends}.
 */
public interface AffinityReport {

	/** The route's affinity key in words, or null when the route has none. */
	String describeKey(Route route);

	/**
	 * Sessions recorded per instance ({@code host:port}) for the route; empty when
	 * unknown.
	 */
	Mono<Map<String, Long>> sessionsByInstance(Route route);

	/** The shared store's state in words, e.g. {@code ok}. */
	String storeState();

}

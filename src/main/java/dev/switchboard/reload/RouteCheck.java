package dev.switchboard.reload;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.config.PropertiesRouteDefinitionLocator;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator;
import org.springframework.cloud.gateway.support.ConfigurationService;

import dev.switchboard.config.InvalidSettingsException;

/**
 * Builds a new configuration's routes the way Spring Cloud Gateway will (every predicate
 * and filter looked up and configured), before they replace the routes in force: a
 * misspelt predicate or a filter argument that does not convert refuses the configuration
 * instead of leaving the gateway without routes.
 */
final class RouteCheck {

	private final List<RoutePredicateFactory> predicates;

	private final List<GatewayFilterFactory> filters;

	private final ConfigurationService configurationService;

	RouteCheck(List<RoutePredicateFactory> predicates, List<GatewayFilterFactory> filters,
			ConfigurationService configurationService) {
		this.predicates = predicates;
		this.filters = filters;
		this.configurationService = configurationService;
	}

	/**
	 * Refuses a configuration whose routes the gateway could not build.
	 * @throws InvalidSettingsException naming the route and what is wrong with it
	 */
	void check(GatewayProperties candidate) {
		Set<String> ids = new HashSet<>();
		for (RouteDefinition route : candidate.getRoutes()) {
			if (route.getId() == null || route.getId().isBlank()) {
				throw new InvalidSettingsException("a route has no id", null);
			}
			if (!ids.add(route.getId())) {
				throw new InvalidSettingsException("two routes have the id '" + route.getId() + "'", null);
			}
			if (route.getUri() == null) {
				throw new InvalidSettingsException("route '" + route.getId() + "' has no uri", null);
			}
		}
		candidate.setFailOnRouteDefinitionError(true);
		try {
			new RouteDefinitionRouteLocator(new PropertiesRouteDefinitionLocator(candidate), this.predicates,
					this.filters, candidate, this.configurationService)
				.getRoutes()
				.collectList()
				.block(Duration.ofSeconds(10));
		}
		catch (RuntimeException ex) {
			throw new InvalidSettingsException("the routes cannot be built: " + ex.getMessage(), ex);
		}
	}

}

package dev.switchboard.config;

import java.util.List;

import org.springframework.cloud.gateway.route.RouteDefinition;

/**
 * A rule a whole set of routes must keep beyond each route's own settings (a sticky route
 * needs the cookie secret, for instance). Checked at startup and for every new
 * configuration before it is adopted.
 */
@FunctionalInterface
public interface RoutesCheck {

	/**
	 * Refuses routes the feature cannot serve.
	 * @param routes the routes as declared
	 * @param settings how a feature's settings resolve for a route in the configuration
	 * being checked
	 * @throws InvalidSettingsException naming the route and the setting
	 */
	void check(List<RouteDefinition> routes, SettingsLookup settings);

	/** A feature's settings for a route, in the configuration being checked. */
	@FunctionalInterface
	interface SettingsLookup {

		<T> T forRoute(RouteSettings<T> feature, RouteDefinition route);

	}

}

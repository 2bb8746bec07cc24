package dev.switchboard.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;

/**
 * Checks every route's {@code metadata.switchboard.*} at startup, so a bad override stops
 * the gateway with a message naming the route and the key instead of failing the first
 * handshake: every key must belong to one feature's {@link RouteSettings} (a misspelt or
 * global-only key is named, with the nearest valid one), and every feature must be able
 * to bind its values.
 */
public class RouteSettingsCheck implements SmartInitializingSingleton {

	private final GatewayProperties gateway;

	private final List<RouteSettings<?>> features;

	private final List<RoutesCheck> routesChecks;

	private final KnownProperties globals;

	public RouteSettingsCheck(GatewayProperties gateway, List<RouteSettings<?>> features,
			List<RoutesCheck> routesChecks) {
		this.gateway = gateway;
		this.features = List.copyOf(features);
		this.routesChecks = List.copyOf(routesChecks);
		this.globals = KnownProperties.load(RouteSettingsCheck.class.getClassLoader());
	}

	/** The per-route settings of every feature, as declared. */
	public List<RouteSettings<?>> features() {
		return this.features;
	}

	@Override
	public void afterSingletonsInstantiated() {
		check(this.gateway.getRoutes(), Map.of());
	}

	/**
	 * Checks a set of routes: each route's metadata, then the rules across routes.
	 * @param candidates the feature settings of a configuration not yet in force, by the
	 * feature they replace; a feature without one is checked as it is
	 * @throws InvalidSettingsException naming the route and the key
	 */
	public void check(List<RouteDefinition> routes, Map<RouteSettings<?>, RouteSettings<?>> candidates) {
		for (RouteDefinition route : routes) {
			for (String key : RouteMetadata.flatten(route.getMetadata()).keySet()) {
				if (key.startsWith("switchboard.")
						&& this.features.stream().noneMatch((feature) -> feature.owns(key))) {
					throw new InvalidRouteSettingsException(route.getId(), unknown(key), null);
				}
			}
			for (RouteSettings<?> feature : this.features) {
				candidates.getOrDefault(feature, feature).resolve(route.getId(), route.getMetadata());
			}
		}
		RoutesCheck.SettingsLookup lookup = new RoutesCheck.SettingsLookup() {
			@Override
			@SuppressWarnings("unchecked")
			public <T> T forRoute(RouteSettings<T> feature, RouteDefinition route) {
				RouteSettings<T> settings = (RouteSettings<T>) candidates.getOrDefault(feature, feature);
				return settings.resolve(route.getId(), route.getMetadata());
			}
		};
		for (RoutesCheck check : this.routesChecks) {
			check.check(routes, lookup);
		}
	}

	/**
	 * Checks one route's metadata.
	 * @throws InvalidRouteSettingsException naming the route and the key
	 */
	public void check(String routeId, Map<String, Object> metadata) {
		RouteDefinition route = new RouteDefinition();
		route.setId(routeId);
		route.setMetadata(metadata);
		check(List.of(route), Map.of());
	}

	private String unknown(String key) {
		String moved = KnownProperties.MOVED.get(key);
		if (moved != null || this.globals.names().contains(key)) {
			return "metadata." + key + " cannot be set per route; set " + ((moved != null) ? moved : key)
					+ " for the whole gateway instead";
		}
		List<String> perRoute = new ArrayList<>();
		this.features.forEach((feature) -> perRoute.addAll(feature.keys()));
		return "metadata." + key + " is not a per-route setting" + NearestName.hint(key, perRoute);
	}

}

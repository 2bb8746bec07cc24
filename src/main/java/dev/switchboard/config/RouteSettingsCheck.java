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

	private final KnownProperties globals;

	public RouteSettingsCheck(GatewayProperties gateway, List<RouteSettings<?>> features) {
		this.gateway = gateway;
		this.features = List.copyOf(features);
		this.globals = KnownProperties.load(RouteSettingsCheck.class.getClassLoader());
	}

	@Override
	public void afterSingletonsInstantiated() {
		for (RouteDefinition route : this.gateway.getRoutes()) {
			check(route.getId(), route.getMetadata());
		}
	}

	/**
	 * Checks one route's metadata.
	 * @throws InvalidRouteSettingsException naming the route and the key
	 */
	public void check(String routeId, Map<String, Object> metadata) {
		for (String key : RouteMetadata.flatten(metadata).keySet()) {
			if (key.startsWith("switchboard.") && this.features.stream().noneMatch((feature) -> feature.owns(key))) {
				throw new InvalidRouteSettingsException(routeId, unknown(key), null);
			}
		}
		for (RouteSettings<?> feature : this.features) {
			feature.resolve(routeId, metadata);
		}
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

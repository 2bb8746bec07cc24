package dev.switchboard.config;

/**
 * A route's {@code metadata.switchboard.*} holds a key or value Switchboard cannot use.
 */
public class InvalidRouteSettingsException extends InvalidSettingsException {

	public InvalidRouteSettingsException(String routeId, String problem, Throwable cause) {
		super("Route '" + routeId + "': " + problem + ". Fix it under spring.cloud.gateway.server.webflux.routes[id="
				+ routeId + "].metadata (see README, Configuration reference)", cause);
	}

}

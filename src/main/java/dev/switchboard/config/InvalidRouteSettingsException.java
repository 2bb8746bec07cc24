package dev.switchboard.config;

/** A route's {@code metadata.switchboard.*} holds a value Switchboard cannot use. */
public class InvalidRouteSettingsException extends IllegalStateException {

	public InvalidRouteSettingsException(String routeId, String problem, Throwable cause) {
		super("Route '" + routeId + "': " + problem
				+ ". Fix the value under spring.cloud.gateway.server.webflux.routes[id=" + routeId
				+ "].metadata.switchboard (see README, Configuration reference).", cause);
	}

}

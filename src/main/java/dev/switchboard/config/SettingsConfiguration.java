package dev.switchboard.config;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Switchboard's settings: the global {@code switchboard.*} properties and the per-route overrides.
 * Every route declared in properties is checked at startup, so a bad override stops the gateway with
 * a message naming the route and the key rather than failing the first handshake.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(SwitchboardProperties.class)
class SettingsConfiguration {

	@Bean
	RouteSettingsResolver switchboardRouteSettingsResolver(SwitchboardProperties properties) {
		return new RouteSettingsResolver(properties.tunnelDefaults(), properties.getEdgeIdleTimeout());
	}

	@Bean
	SmartInitializingSingleton switchboardRouteSettingsCheck(RouteSettingsResolver resolver, GatewayProperties gateway) {
		return () -> {
			for (RouteDefinition route : gateway.getRoutes()) {
				resolver.resolve(route.getId(), route.getMetadata());
			}
		};
	}

}

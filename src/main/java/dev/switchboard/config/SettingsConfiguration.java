package dev.switchboard.config;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Switchboard's settings as a whole: unknown {@code switchboard.*} properties stop
 * startup before any bean exists, and every route's {@code metadata.switchboard.*} is
 * checked against the features' {@link RouteSettings} once the context is up.
 */
@Configuration(proxyBeanMethods = false)
class SettingsConfiguration {

	@Bean
	static UnknownPropertiesCheck switchboardUnknownPropertiesCheck() {
		return new UnknownPropertiesCheck();
	}

	@Bean
	RouteSettingsCheck switchboardRouteSettingsCheck(GatewayProperties gateway,
			ObjectProvider<RouteSettings<?>> features, ObjectProvider<RoutesCheck> routesChecks) {
		return new RouteSettingsCheck(gateway, features.orderedStream().toList(),
				routesChecks.orderedStream().toList());
	}

}

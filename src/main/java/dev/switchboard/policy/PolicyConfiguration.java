package dev.switchboard.policy;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.switchboard.auth.AuthSettings;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RoutesCheck;
import dev.switchboard.sticky.StickySettings;

/** Handshake policies: which origins may open a tunnel on a route. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OriginSettings.class)
class PolicyConfiguration {

	@Bean
	RouteSettings<OriginSettings> switchboardOriginSettings(OriginSettings defaults,
			ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard", OriginSettings.class, defaults, environment,
				(settings, prefix) -> settings.check(prefix));
	}

	@Bean
	OriginPolicy switchboardOriginPolicy(RouteSettings<OriginSettings> settings) {
		return new OriginPolicy(settings);
	}

	/** Warns about routes that trust a cookie and have no allow-list. */
	@Bean
	RoutesCheck switchboardUnprotectedCookieRoutes(RouteSettings<OriginSettings> origins,
			ObjectProvider<RouteSettings<StickySettings>> sticky, ObjectProvider<RouteSettings<AuthSettings>> auth) {
		return new UnprotectedCookieRoutes(origins, sticky.getIfAvailable(), auth.getIfAvailable());
	}

}

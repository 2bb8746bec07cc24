package dev.switchboard.policy;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

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

	/** Warns about sticky routes without an allow-list (when sticky routing is there). */
	@Bean
	RoutesCheck switchboardUnprotectedStickyRoutes(RouteSettings<OriginSettings> origins,
			ObjectProvider<RouteSettings<StickySettings>> sticky) {
		RouteSettings<StickySettings> feature = sticky.getIfAvailable();
		return (feature != null) ? new UnprotectedStickyRoutes(origins, feature) : (routes, lookup) -> {
		};
	}

}

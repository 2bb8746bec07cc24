package dev.switchboard.reload;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.switchboard.config.RouteSettingsCheck;
import dev.switchboard.tunnel.TunnelRegistry;

/**
 * Routes and per-route settings follow the configuration files without a restart: see
 * {@link ConfigReloader}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReloadProperties.class)
@ConditionalOnProperty(name = "switchboard.reload.enabled", matchIfMissing = true)
class ReloadConfiguration {

	@Bean
	ConfigReloader switchboardConfigReloader(ConfigurableEnvironment environment, ReloadProperties properties,
			GatewayProperties gateway, RouteSettingsCheck settingsCheck, List<RoutePredicateFactory> predicates,
			List<GatewayFilterFactory> filters, ConfigurationService configurationService,
			ApplicationEventPublisher publisher, TunnelRegistry tunnels, MeterRegistry registry) {
		return new ConfigReloader(environment, properties, gateway, settingsCheck,
				new RouteCheck(predicates, filters, configurationService), publisher, tunnels, registry);
	}

}

package dev.switchboard.tunnel;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.edge.EdgeProperties;

/** The tunnels' settings (global and per route) and the registry of open tunnels. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TunnelSettings.class)
class TunnelConfiguration {

	@Bean
	RouteSettings<TunnelSettings> switchboardTunnelSettings(TunnelSettings defaults, EdgeProperties edge,
			ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard", TunnelSettings.class, defaults, environment, (settings, prefix) -> {
			settings.check(prefix);
			settings.checkAgainstEdge(prefix, edge.getEdgeIdleTimeout());
		});
	}

	@Bean
	TunnelRegistry switchboardTunnelRegistry() {
		return new TunnelRegistry();
	}

}

package dev.switchboard.upgrade;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.tunnel.TunnelRegistry;
import dev.switchboard.tunnel.TunnelSettings;

/** The WebSocket tunnel that replaces Spring Cloud Gateway's stock WebSocket routing. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({ HandshakeSettings.class, BackendTlsProperties.class })
class UpgradeConfiguration {

	@Bean
	RouteSettings<HandshakeSettings> switchboardHandshakeSettings(HandshakeSettings defaults,
			ConfigurableEnvironment environment) {
		return new RouteSettings<>("switchboard", HandshakeSettings.class, defaults, environment,
				(settings, prefix) -> settings.check(prefix));
	}

	@Bean
	BackendConnector switchboardBackendConnector(BackendTlsProperties tls) {
		return new BackendConnector(tls.isTrustAll());
	}

	@Bean
	WebSocketTunnelFilter switchboardWebSocketTunnelFilter(BackendConnector connector,
			RouteSettings<HandshakeSettings> handshakeSettings, RouteSettings<TunnelSettings> tunnelSettings,
			TunnelRegistry registry, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
			ObjectProvider<HandshakeRecorder> recorders, ObjectProvider<WebSocketTunnelFilter.TrafficRecorders> traffic,
			ObjectProvider<BackendRetry> retry, ObjectProvider<HandshakeTracer> tracer,
			ObjectProvider<HandshakePolicy> policies) {
		return new WebSocketTunnelFilter(connector, handshakeSettings, tunnelSettings, registry, headersFilters,
				recorders.orderedStream().toList(), policies.orderedStream().toList(),
				traffic.getIfAvailable(() -> WebSocketTunnelFilter.TrafficRecorders.NONE),
				retry.getIfAvailable(() -> BackendRetry.NONE), tracer.getIfAvailable(() -> HandshakeTracer.NONE));
	}

	@Bean
	RouteFilterChains switchboardRouteFilterChains(List<GlobalFilter> globalFilters) {
		return new RouteFilterChains(globalFilters);
	}

	@Bean
	LateGlobalFilters switchboardLateGlobalFilters(ObjectProvider<GlobalFilter> filters) {
		return new LateGlobalFilters(filters);
	}

	@Bean
	UnexpectedUpgradeGuard switchboardUnexpectedUpgradeGuard() {
		return new UnexpectedUpgradeGuard();
	}

}

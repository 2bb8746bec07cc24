package dev.switchboard.upgrade;

import java.util.List;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.switchboard.config.RouteSettingsResolver;
import dev.switchboard.config.SwitchboardProperties;
import dev.switchboard.tunnel.TunnelRegistry;

/** The WebSocket tunnel that replaces Spring Cloud Gateway's stock WebSocket routing. */
@Configuration(proxyBeanMethods = false)
class UpgradeConfiguration {

	@Bean
	BackendConnector switchboardBackendConnector(SwitchboardProperties properties) {
		return new BackendConnector(properties.getBackendTls().isTrustAll());
	}

	@Bean
	TunnelRegistry switchboardTunnelRegistry(SwitchboardProperties properties) {
		return new TunnelRegistry(properties.getCloseTimeout());
	}

	@Bean
	WebSocketTunnelFilter switchboardWebSocketTunnelFilter(BackendConnector connector, RouteSettingsResolver resolver,
			TunnelRegistry registry, ObjectProvider<List<HttpHeadersFilter>> headersFilters,
			ObjectProvider<HandshakeRecorder> recorders, ObjectProvider<WebSocketTunnelFilter.TrafficRecorders> traffic,
			ObjectProvider<BackendRetry> retry) {
		return new WebSocketTunnelFilter(connector, resolver, registry, headersFilters, recorders.orderedStream().toList(),
				traffic.getIfAvailable(() -> WebSocketTunnelFilter.TrafficRecorders.NONE),
				retry.getIfAvailable(() -> BackendRetry.NONE));
	}

	@Bean
	UnexpectedUpgradeGuard switchboardUnexpectedUpgradeGuard() {
		return new UnexpectedUpgradeGuard();
	}

}

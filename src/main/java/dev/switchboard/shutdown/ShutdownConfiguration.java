package dev.switchboard.shutdown;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.switchboard.tunnel.TunnelRegistry;
import dev.switchboard.tunnel.TunnelSettings;

/**
 * How the gateway leaves on SIGTERM without dropping anyone: see
 * {@link ShutdownSequence}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ShutdownProperties.class)
class ShutdownConfiguration {

	@Bean
	ListeningSockets switchboardListeningSockets() {
		return new ListeningSockets();
	}

	@Bean
	NettyServerCustomizer switchboardListeningSocketsCustomizer(ListeningSockets sockets) {
		return (server) -> server.doOnBound(sockets::bound);
	}

	@Bean
	ShutdownSequence switchboardShutdownSequence(ApplicationContext context, ShutdownProperties properties,
			ListeningSockets sockets, TunnelRegistry tunnels, TunnelSettings defaults) {
		properties.check();
		return new ShutdownSequence(context, properties, sockets, tunnels, defaults.closeTimeout());
	}

}

package dev.switchboard.edge;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.NettyPipeline;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Guards of the public server at the connection level, before any route is matched: the
 * slowloris bound on a client's first request headers. (A tunnel's own heartbeat, idle
 * and lifetime policy lives with the tunnel.)
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EdgeProperties.class)
class EdgeConfiguration {

	@Bean
	RefusedRequests switchboardRefusedRequests(MeterRegistry registry) {
		return new RefusedRequests(registry);
	}

	/**
	 * Right after the HTTP decoder: malformed requests are refused before any route sees
	 * them.
	 */
	@Bean
	NettyServerCustomizer switchboardRequestGuard(RefusedRequests refused) {
		return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
			if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
				channel.pipeline().addAfter(NettyPipeline.HttpCodec, RequestGuard.NAME, new RequestGuard(refused));
			}
		});
	}

	@Bean
	NettyServerCustomizer switchboardClientHeaderTimeout(EdgeProperties properties) {
		long timeoutMillis = properties.getClientHeaderTimeout().toMillis();
		// At channel initialisation, once Reactor Netty has put its HTTP codec in and
		// before any byte is read.
		return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
			if (timeoutMillis > 0 && channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
				channel.pipeline()
					.addBefore(NettyPipeline.HttpCodec, ClientHeaderTimeoutHandler.NAME,
							new ClientHeaderTimeoutHandler(timeoutMillis));
			}
		});
	}

	/**
	 * Reactor Netty's read timeout applies while a request's body is read, between two
	 * reads, which is the body's slowloris bound.
	 */
	@Bean
	NettyServerCustomizer switchboardClientBodyTimeout(EdgeProperties properties) {
		Duration timeout = properties.getClientBodyTimeout();
		return (server) -> (timeout.isZero() || timeout.isNegative()) ? server : server.readTimeout(timeout);
	}

	@Bean
	BodyTimeoutHandler switchboardBodyTimeoutHandler(RefusedRequests refused, EdgeProperties properties) {
		return new BodyTimeoutHandler(refused, properties.getClientBodyTimeout());
	}

}

package dev.switchboard.idle;

import reactor.netty.NettyPipeline;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.switchboard.config.SwitchboardProperties;

/**
 * Connection-level timeouts of the public server. (The tunnel's own heartbeat, idle and lifetime
 * policy lives with the tunnel, in {@code dev.switchboard.tunnel.Tunnel}.)
 */
@Configuration(proxyBeanMethods = false)
class IdleConfiguration {

	@Bean
	NettyServerCustomizer switchboardClientHeaderTimeout(SwitchboardProperties properties) {
		long timeoutMillis = properties.getClientHeaderTimeout().toMillis();
		// At channel initialisation, once Reactor Netty has put its HTTP codec in and before any byte is read.
		return (server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
			if (timeoutMillis > 0 && channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
				channel.pipeline().addBefore(NettyPipeline.HttpCodec, ClientHeaderTimeoutHandler.NAME,
						new ClientHeaderTimeoutHandler(timeoutMillis));
			}
		});
	}

}

package dev.switchboard.upgrade;

import java.util.List;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import reactor.netty.NettyPipeline;

import dev.switchboard.edge.ClientHeaderTimeoutHandler;
import dev.switchboard.edge.RequestGuard;

/**
 * Makes the client's connection one end of a tunnel: the tunnel's handler goes in front
 * of Reactor Netty's HTTP codec and the HTTP handlers leave, so no HTTP codec, timeout or
 * keep-alive logic ever sees tunnel bytes. Whatever the web framework still writes for
 * the finished exchange reaches the tunnel's handler, which drops it.
 */
final class ClientTakeover {

	static final String TUNNEL_HANDLER = "switchboard.tunnel";

	/**
	 * Reactor Netty's HTTP handlers (and ours), which have nothing left to do once the
	 * connection is a tunnel.
	 */
	private static final List<String> HTTP_HANDLERS = List.of(NettyPipeline.HttpTrafficHandler,
			NettyPipeline.AccessLogHandler, NettyPipeline.HttpMetricsHandler, NettyPipeline.CompressionHandler,
			NettyPipeline.IdleTimeoutHandler, NettyPipeline.ReadTimeoutHandler, ClientHeaderTimeoutHandler.NAME,
			RequestGuard.NAME, NettyPipeline.HttpCodec);

	private ClientTakeover() {
	}

	static void takeOver(Channel client, ChannelHandler tunnelHandler) {
		ChannelPipeline pipeline = client.pipeline();
		pipeline.addBefore(NettyPipeline.HttpCodec, TUNNEL_HANDLER, tunnelHandler);
		for (String name : HTTP_HANDLERS) {
			if (pipeline.get(name) != null) {
				pipeline.remove(name);
			}
		}
	}

}

package dev.switchboard.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.WebsocketServerSpec;

import org.springframework.context.SmartLifecycle;

/**
 * Two small WebSocket echo servers inside the gateway's own process, for the demo profile
 * only, so a newcomer sees a tunnel work with nothing else running. Each prefixes its
 * answers with its name.
 */
class DemoEchoBackends implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(DemoEchoBackends.class);

	private final List<Integer> ports;

	private final List<DisposableServer> servers = new ArrayList<>();

	DemoEchoBackends(List<Integer> ports) {
		this.ports = ports;
	}

	@Override
	public void start() {
		for (int i = 0; i < this.ports.size(); i++) {
			String name = "echo-" + (char) ('a' + i);
			DisposableServer server = HttpServer.create()
				.host("127.0.0.1")
				.port(this.ports.get(i))
				.route((routes) -> routes.ws("/**",
						(in, out) -> out
							.sendObject(in.aggregateFrames().receiveFrames().map((frame) -> answer(name, frame))),
						WebsocketServerSpec.builder().maxFramePayloadLength(16 * 1024 * 1024).build()))
				.bindNow(Duration.ofSeconds(10));
			this.servers.add(server);
			logger.info("Demo echo backend " + name + " listening on 127.0.0.1:" + server.port());
		}
	}

	private static WebSocketFrame answer(String name, WebSocketFrame frame) {
		if (frame instanceof TextWebSocketFrame text) {
			return new TextWebSocketFrame("[" + name + "] " + text.text());
		}
		return frame.retain();
	}

	@Override
	public void stop() {
		this.servers.forEach((server) -> server.disposeNow(Duration.ofSeconds(5)));
		this.servers.clear();
	}

	@Override
	public boolean isRunning() {
		return !this.servers.isEmpty();
	}

	/** Up before the gateway takes traffic, down after it stopped. */
	@Override
	public int getPhase() {
		return Integer.MIN_VALUE + 1000;
	}

}

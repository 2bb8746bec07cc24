package dev.switchboard.tunnel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.RawHttp;
import dev.switchboard.support.Routes;
import dev.switchboard.support.SilentWsBackend;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.TestLoops;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The idle-timeout policy on real sockets with short timings: heartbeats every 300 ms
 * (250 ms to answer), idle timeout 2 s, and HTTP timeouts far shorter that must never
 * touch a tunnel.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "switchboard.heartbeat-interval=300ms", "switchboard.heartbeat-timeout=250ms",
				"switchboard.idle-timeout=2s", "spring.cloud.gateway.server.webflux.httpclient.response-timeout=200ms",
				"server.netty.idle-timeout=200ms" })
class IdlePolicyTest {

	private static final Log logger = LogFactory.getLog(IdlePolicyTest.class);

	static final TestBackend backend = new TestBackend();

	static final SilentWsBackend silent;

	static {
		try {
			silent = new SilentWsBackend();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	static final Duration IDLE = Duration.ofSeconds(2);

	static final Duration DETECTION_BOUND = Duration.ofMillis(300 + 250);

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		Routes routes = new Routes(registry);
		routes.add("echo", "ws://127.0.0.1:" + backend.port(), "Path=/ws/**,/slow");
		routes.add("silent", "ws://127.0.0.1:" + silent.port(), "Path=/silent/**");
		routes.add("pings", "ws://127.0.0.1:" + silent.port(), "Path=/pings/**")
			.metadata("switchboard.answer-pings", "true");
		routes.add("lifetime", "ws://127.0.0.1:" + backend.port(), "Path=/lifetime/**")
			.filter("StripPrefix=1")
			.metadata("switchboard.max-lifetime", "1s");
	}

	@AfterAll
	static void stopBackends() throws IOException {
		backend.close();
		silent.close();
	}

	@Test
	void aConversationSurvivesThreeTimesTheIdleTimeout() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			long end = System.nanoTime() + IDLE.multipliedBy(3).toNanos();
			int sent = 0;
			while (System.nanoTime() < end) {
				client.sendText("message " + sent);
				assertThat(client.nextText()).isEqualTo("message " + sent);
				sent++;
				TimeUnit.MILLISECONDS.sleep(500); // the conversation's pace, not a wait
													// for anything
			}
			assertThat(sent).isGreaterThanOrEqualTo(10);
			assertThat(client.isOpen()).isTrue();
		}
	}

	@Test
	void aSilentTunnelIsClosedAtTheIdleTimeoutWith1001OnBothSides() throws Exception {
		backend.closes.clear();
		long start = System.nanoTime(); // before the handshake, so the tunnel cannot be
										// older than this
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			WebSocketCloseStatus atClient = client.awaitClose();
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			assertThat(atClient.code()).isEqualTo(1001);
			assertThat(atClient.reasonText()).isEqualTo("idle timeout");
			backend.awaitClose(1001, "idle timeout", Duration.ofSeconds(5));
			// Heartbeats flowed all along (peers answered them) and did not count as
			// activity.
			assertThat(elapsed).isBetween(IDLE, IDLE.plusMillis(1500));
			logger.info("idle timeout 2s: closed after " + elapsed.toMillis() + " ms");
		}
	}

	@Test
	void aQuietTunnelOutlivesTheHttpTimeouts() throws Exception {
		// Plain HTTP on the same gateway is cut by its 200 ms response timeout...
		String status = HttpClient.newConnection()
			.runOn(TestLoops.LOOPS)
			.get()
			.uri(http("/slow"))
			.response()
			.map((r) -> String.valueOf(r.status().code()))
			.block(Duration.ofSeconds(10));
		assertThat(status).isEqualTo("504");
		// ...while a quiet tunnel whose peers answer pings lives on far past it (and past
		// the server's 200 ms keep-alive idle timeout), until its own idle timeout.
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			long quietUntil = System.nanoTime() + Duration.ofMillis(1500).toNanos();
			while (System.nanoTime() < quietUntil) {
				assertThat(client.closeStatus).isNotDone();
				TimeUnit.MILLISECONDS.sleep(100); // observing a quiet period, not
													// synchronising
			}
			client.sendText("still there");
			assertThat(client.nextText()).isEqualTo("still there");
		}
	}

	@Test
	void aBackendSilentAtTheTcpLevelIsFoundDeadAndTheClientGets1011() throws Exception {
		try (WsClient client = WsClient.connect(ws("/silent/chat"))) {
			long start = System.nanoTime();
			WebSocketCloseStatus status = client.awaitClose();
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			assertThat(status.code()).isEqualTo(1011);
			assertThat(status.reasonText()).isEqualTo("backend not responding");
			assertThat(elapsed).isLessThan(DETECTION_BOUND.plusMillis(400));
			logger.info("dead backend detected after " + elapsed.toMillis() + " ms (interval 300 + timeout 250)");
		}
	}

	@Test
	void aClientThatVanishesGetsTheBackend1001() throws Exception {
		backend.closes.clear();
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake("/ws", "Upgrade: websocket", "Connection: Upgrade",
					"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
			long start = System.nanoTime();
			// The raw client now answers nothing: not the gateway's pings, not anything.
			backend.awaitClose(1001, "client not responding", Duration.ofSeconds(5));
			Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
			assertThat(elapsed).isLessThan(DETECTION_BOUND.plusMillis(400));
			logger.info("vanished client detected after " + elapsed.toMillis() + " ms");
			assertThat(raw.awaitClosedByPeer()).isTrue();
		}
	}

	@Test
	void gatewayPingsAreAnsweredAtTheGatewayNotRelayed() throws Exception {
		// /ws/frames echoes every frame it receives, pongs included: a relayed pong would
		// come back.
		try (WsClient client = WsClient.connect(ws("/ws/frames"))) {
			long until = System.nanoTime() + Duration.ofMillis(1200).toNanos();
			while (System.nanoTime() < until) {
				WsClient.Frame frame = client.frames.poll(100, TimeUnit.MILLISECONDS);
				assertThat(frame).as("no frame may come back from the backend").isNull();
			}
			client.sendText("echo still works");
			assertThat(client.nextText()).isEqualTo("echo still works");
		}
	}

	@Test
	void aRouteCanAnswerThePeersPingsAtTheGateway() throws Exception {
		try (WsClient client = WsClient.connect(ws("/pings/chat"))) {
			// The backend is silent, so only the gateway can answer.
			client.send(new PingWebSocketFrame(Unpooled.wrappedBuffer("hello?".getBytes())));
			WsClient.Frame pong = client.next();
			assertThat(pong.type()).isEqualTo("pong");
			assertThat(pong.text()).isEqualTo("hello?");
		}
	}

	@Test
	void aTunnelIsClosedAtItsMaximumLifetime() throws Exception {
		try (WsClient client = WsClient.connect(ws("/lifetime/ws"))) {
			long start = System.nanoTime();
			while (!client.closeStatus.isDone()) {
				try {
					client.sendText("busy");
				}
				catch (AbortedException ex) {
					// The gateway's close crossed this send: the connection is closing.
					break;
				}
				client.frames.poll(100, TimeUnit.MILLISECONDS);
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			}
			WebSocketCloseStatus status = client.awaitClose();
			assertThat(status.code()).isEqualTo(1001);
			assertThat(status.reasonText()).isEqualTo("max lifetime");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
					Duration.ofMillis(2500));
		}
	}

	private String ws(String path) {
		return "ws://127.0.0.1:" + this.port + path;
	}

	private String http(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}

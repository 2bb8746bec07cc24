package dev.switchboard.tunnel;

import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.test.web.server.LocalManagementPort;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What crosses an open tunnel, and how it ends. */
class TunnelRelayTest extends GatewayTest {

	@LocalManagementPort
	int managementPort;

	@Test
	void echoesTextAndBinary() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("hello");
			assertThat(client.nextText()).isEqualTo("hello");
			byte[] bytes = new byte[300];
			new Random(1).nextBytes(bytes);
			client.sendBinary(bytes);
			WsClient.Frame frame = client.next();
			assertThat(frame.type()).isEqualTo("binary");
			assertThat(frame.bytes()).isEqualTo(bytes);
		}
	}

	@Test
	void aBackendThatSpeaksFirstIsHeard() throws Exception {
		for (int i = 0; i < 20; i++) {
			try (WsClient client = WsClient.connect(ws("/ws/greet"))) {
				assertThat(client.nextText()).isEqualTo("welcome");
				client.sendText("then echo");
				assertThat(client.nextText()).isEqualTo("then echo");
			}
		}
	}

	@Test
	void largeMessagesPassIntactBothWays() throws Exception {
		byte[] bytes = new byte[10 * 1024 * 1024];
		new Random(2).nextBytes(bytes);
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendBinary(bytes);
			WsClient.Frame frame = client.next();
			assertThat(frame.bytes().length).isEqualTo(bytes.length);
			assertThat(Arrays.equals(frame.bytes(), bytes)).isTrue();
		}
	}

	@Test
	void fragmentsStreamThroughWithoutWaitingForTheWholeMessage() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws/frames"))) {
			client.send(new TextWebSocketFrame(false, 0, "hel"));
			// The backend echoes each fragment as it arrives: the first comes back before
			// the last is sent.
			WsClient.Frame first = client.next();
			assertThat(first.text()).isEqualTo("hel");
			assertThat(first.fin()).isFalse();
			client.send(new ContinuationWebSocketFrame(true, 0, "lo"));
			WsClient.Frame last = client.next();
			assertThat(last.type()).isEqualTo("continuation");
			assertThat(last.text()).isEqualTo("lo");
			assertThat(last.fin()).isTrue();
		}
	}

	@Test
	void pingsAndPongsOfThePeersAreRelayed() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.send(new PingWebSocketFrame(Unpooled.wrappedBuffer("are you there".getBytes())));
			WsClient.Frame pong = client.next();
			assertThat(pong.type()).isEqualTo("pong");
			assertThat(pong.text()).isEqualTo("are you there");
		}
	}

	@ParameterizedTest
	@CsvSource({ "4001, bye", "1012, service restart", "1013, try again later", "1000, done" })
	void backendCloseCodesReachTheClientExactly(int code, String reason) throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("close:" + code + ":" + reason);
			WebSocketCloseStatus status = client.awaitClose();
			assertThat(status.code()).isEqualTo(code);
			assertThat(status.reasonText()).isEqualTo(reason);
		}
	}

	@ParameterizedTest
	@CsvSource({ "4002, later", "1001, going away", "1000, normal" })
	void clientCloseCodesReachTheBackendExactly(int code, String reason) throws Exception {
		backend.closes.clear();
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendClose(code, reason);
			backend.awaitClose(code, reason, Duration.ofSeconds(10));
			// and the backend's answer comes back to the client
			assertThat(client.awaitClose().code()).isEqualTo(code);
		}
	}

	@Test
	void aBackendThatDiesWithoutACloseFrameGetsTheClient1011() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("drop");
			WebSocketCloseStatus status = client.awaitClose();
			assertThat(status.code()).isEqualTo(1011);
		}
	}

	@Test
	void aClientThatDiesWithoutACloseFrameGetsTheBackend1001() throws Exception {
		backend.closes.clear();
		WsClient client = WsClient.connect(ws("/ws"));
		client.sendText("ready");
		assertThat(client.nextText()).isEqualTo("ready");
		client.abort();
		backend.awaitClose(1001, null, Duration.ofSeconds(10));
	}

	@Test
	void aClientMessageOverTheLimitGets1009AndTheBackendAClose() throws Exception {
		backend.closes.clear();
		try (WsClient client = WsClient.connect(ws("/small/ws"))) {
			client.sendBinary(new byte[1024]);
			assertThat(client.next().bytes()).hasSize(1024);
			client.sendBinary(new byte[1025]);
			assertThat(client.awaitClose().code()).isEqualTo(1009);
			backend.awaitClose(1001, null, Duration.ofSeconds(10));
		}
	}

	@Test
	void aFragmentedMessageOverTheLimitIsRefusedToo() throws Exception {
		try (WsClient client = WsClient.connect(ws("/small/ws"))) {
			client.send(new TextWebSocketFrame(false, 0, "a".repeat(600)));
			client.send(new ContinuationWebSocketFrame(true, 0, "b".repeat(600)));
			assertThat(client.awaitClose().code()).isEqualTo(1009);
		}
	}

	@Test
	void aBackendMessageOverTheLimitGetsTheBackend1009AndTheClientAClose() throws Exception {
		backend.closes.clear();
		try (WsClient client = WsClient.connect(ws("/small/ws"))) {
			client.sendText("big:2048");
			assertThat(client.awaitClose().code()).isEqualTo(1001);
			backend.awaitClose(1009, null, Duration.ofSeconds(10));
		}
	}

	/**
	 * What the four sockets between the flooding backend and a client that does not read
	 * may hold on loopback besides the gateway's queue (send and receive buffers grow up
	 * to several MB each); seen up to 44 MiB on a clean CI machine.
	 */
	private static final long KERNEL_BUFFERS = 48L * 1024 * 1024;

	@Test
	void aClientThatStopsReadingSlowsTheBackendDown() throws Exception {
		long total = 128L * 1024 * 1024;
		backend.flooded.set(0);
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.socket().setReceiveBufferSize(64 * 1024);
			raw.send(RawHttp.handshake("/ws/flood?bytes=" + total, "Upgrade: websocket", "Connection: Upgrade",
					"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
			// The client reads nothing: the backend must stall far below the total, held
			// back by TCP.
			long stalledAt = awaitStall();
			assertThat(stalledAt).isLessThan(4L * 1024 * 1024 + KERNEL_BUFFERS);
			// Reading again lets everything through.
			long payload = 0;
			InputStream in = raw.socket().getInputStream();
			byte[] buffer = new byte[256 * 1024];
			// 64 KiB payloads need the 8-byte extended length: 10-byte frame headers
			long expectedWire = total + (total / (64 * 1024)) * 10;
			while (payload < expectedWire) {
				int n = in.read(buffer);
				assertThat(n).isPositive();
				payload += n;
			}
			// (the backend's close frame may follow in the last read)
			assertThat(payload).isBetween(expectedWire, expectedWire + 8);
		}
	}

	/**
	 * What the gateway queues for a client that does not read is bounded by
	 * max-buffered-bytes: the backend stalls at the bound plus what the kernel's socket
	 * buffers hold (a few MB on loopback), with the default 4 MB as with 64 MB.
	 */
	@Test
	void whatTheGatewayQueuesForAClientThatDoesNotReadIsBoundedByMaxBufferedBytes() throws Exception {
		long total = 256L * 1024 * 1024;
		long withDefault = stallPoint("/ws/flood?bytes=" + total);
		long withRoomy = stallPoint("/roomy/ws/flood?bytes=" + total);
		assertThat(withDefault).as("4 MB queued at most, plus the kernel's buffers")
			.isLessThan(4L * 1024 * 1024 + KERNEL_BUFFERS);
		assertThat(withRoomy).as("the route's 64 MB are used before reading stops")
			.isGreaterThan(64L * 1024 * 1024)
			.isLessThan(64L * 1024 * 1024 + KERNEL_BUFFERS);
	}

	private long stallPoint(String path) throws Exception {
		backend.flooded.set(0);
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.socket().setReceiveBufferSize(64 * 1024);
			raw.send(RawHttp.webSocketHandshake(path));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
			return awaitStall();
		}
	}

	@Test
	void aClientThatTakesNothingForTheSlowConsumerTimeoutIsCutAndTheBackendTold() throws Exception {
		backend.floodCloses.clear();
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		try (RawHttp raw = new RawHttp(this.port); WsClient neighbour = WsClient.connect(ws("/ws?neighbour"))) {
			raw.socket().setReceiveBufferSize(64 * 1024);
			raw.send(RawHttp.handshake("/slow/ws/flood?bytes=" + 128L * 1024 * 1024, "Upgrade: websocket",
					"Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
			// The client reads nothing from here on.
			// (An earlier flood's close may still arrive: skip those.)
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
			WebSocketCloseStatus atBackend;
			do {
				atBackend = backend.floodCloses.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			while (atBackend != null && !"client slow consumer".equals(atBackend.reasonText()));
			assertThat(atBackend).as("the backend is told").isNotNull();
			assertThat(atBackend.code()).isEqualTo(1001);
			neighbour.sendText("unharmed");
			assertThat(neighbour.nextText()).isEqualTo("unharmed");
			assertThat(raw.awaitClosedByPeer()).as("the client's connection is closed").isTrue();
		}
		await("the close counted").atMost(Duration.ofSeconds(5))
			.until(() -> PrometheusScrape.of(this.managementPort)
				.value("switchboard_tunnel_gateway_closes_total", "route=slow", "reason=slow_consumer")
					- before.value("switchboard_tunnel_gateway_closes_total", "route=slow",
							"reason=slow_consumer") == 1);
	}

	/**
	 * The backend's sent-byte count once it stopped growing for 10 polls 50 ms apart (TCP
	 * backpressure).
	 */
	private static long awaitStall() {
		long[] lastAndUnchanged = { -1, 0 };
		await("the backend stalls").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
			long now = backend.flooded.get();
			lastAndUnchanged[1] = (now == lastAndUnchanged[0] && now > 0) ? lastAndUnchanged[1] + 1 : 0;
			lastAndUnchanged[0] = now;
			return lastAndUnchanged[1] >= 10;
		});
		return lastAndUnchanged[0];
	}

}

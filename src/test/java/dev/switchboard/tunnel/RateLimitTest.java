package dev.switchboard.tunnel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawWebSocket;
import dev.switchboard.support.RawWebSocket.Frame;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-tunnel rate limits over real sockets: {@code /limited} allows 10 messages per
 * second each way, {@code /metered} 4 KiB per second each way, both with a one-second
 * burst. A side over its limit gets {@code 1008 "rate limit"} and its connection is
 * closed, without the offending message; the other side gets {@code 1001}. Floods are
 * sent in one write, so they reach the gateway faster than any refill could matter.
 */
class RateLimitTest extends GatewayTest {

	static final String CLOSES = "switchboard_tunnel_gateway_closes_total";

	@LocalManagementPort
	int managementPort;

	@Autowired
	TunnelRegistry tunnels;

	@BeforeEach
	void earlierTunnelsAreGone() {
		// Their closes are counted before they leave the registry: the counts are
		// settled.
		await("earlier tunnels closed").atMost(Duration.ofSeconds(10))
			.until(() -> this.tunnels.openOn("limited").isEmpty() && this.tunnels.openOn("metered").isEmpty());
		backend.closes.clear();
	}

	@Test
	void aClientOverTheMessageRateGets1008AndTheBackend1001WhileItsNeighbourCarriesOn() throws Exception {
		try (WsClient neighbour = WsClient.connect(ws("/limited/ws?neighbour"));
				RawWebSocket client = RawWebSocket.connect(this.port, "/limited/ws")) {
			neighbour.sendText("before");
			assertThat(neighbour.nextText()).isEqualTo("before");
			PrometheusScrape before = PrometheusScrape.of(this.managementPort);
			client.send(texts(30, 1));
			Frame close = client.nextClose();
			assertThat(close).isNotNull();
			assertThat(close.closeCode()).isEqualTo(1008);
			assertThat(close.closeReason()).isEqualTo("rate limit");
			assertThat(client.awaitClosedByPeer()).as("the client's connection is closed").isTrue();
			backend.awaitClose(1001, "client rate limit", Duration.ofSeconds(10));
			assertMessagesToBackend(before, "limited", 10);
			// The same route, another tunnel, at the same moment: its own allowance.
			neighbour.sendText("unharmed");
			assertThat(neighbour.nextText()).isEqualTo("unharmed");
			await("the close counted").atMost(Duration.ofSeconds(10))
				.until(() -> PrometheusScrape.of(this.managementPort)
					.value(CLOSES, "route=limited", "reason=rate_limit")
						- before.value(CLOSES, "route=limited", "reason=rate_limit") == 1);
		}
	}

	@Test
	void aBackendOverTheMessageRateGets1008AndTheClient1001() throws Exception {
		try (WsClient client = WsClient.connect(ws("/limited/ws"))) {
			client.sendText("many:50:1");
			WebSocketCloseStatus status = client.awaitClose();
			assertThat(status.code()).isEqualTo(1001);
			assertThat(status.reasonText()).isEqualTo("backend rate limit");
			assertThat(client.frames).as("the burst passed, the message over it did not").hasSizeBetween(10, 49);
		}
		backend.awaitClose(1008, "rate limit", Duration.ofSeconds(10));
	}

	@Test
	void aClientWithinItsBurstAndThenWithinItsRateIsNeverClosed() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/limited/ws")) {
			client.send(texts(10, 1));
			for (int i = 0; i < 10; i++) {
				assertThat(client.next().opcode()).as("echo %d", i + 1).isEqualTo(0x1);
			}
			// The burst is spent; what follows passes only as the allowance comes back.
			for (int i = 0; i < 8; i++) {
				TimeUnit.MILLISECONDS.sleep(250); // the sender's pace: 4 a second
				client.send(texts(1, 1));
				assertThat(client.next().opcode()).as("paced echo %d", i + 1).isEqualTo(0x1);
			}
			assertEndsNormally(client);
		}
	}

	@Test
	void withoutALimitTheSameFloodPasses() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/ws")) {
			client.send(texts(100, 1));
			for (int i = 0; i < 100; i++) {
				assertThat(client.next().opcode()).as("echo %d", i + 1).isEqualTo(0x1);
			}
			assertEndsNormally(client);
		}
	}

	@Test
	void aClientOverTheByteRateGets1008AndTheBackend1001() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/metered/ws")) {
			PrometheusScrape before = PrometheusScrape.of(this.managementPort);
			client.send(texts(5, 1000));
			Frame close = client.nextClose();
			assertThat(close).isNotNull();
			assertThat(close.closeCode()).isEqualTo(1008);
			assertThat(close.closeReason()).isEqualTo("rate limit");
			assertThat(client.awaitClosedByPeer()).isTrue();
			backend.awaitClose(1001, "client rate limit", Duration.ofSeconds(10));
			// 4000 bytes, not the fifth 1000.
			assertMessagesToBackend(before, "metered", 4);
		}
	}

	@Test
	void aClientWithinItsByteBurstAndThenWithinItsByteRateIsNeverClosed() throws Exception {
		try (RawWebSocket client = RawWebSocket.connect(this.port, "/metered/ws")) {
			client.send(texts(4, 1000));
			for (int i = 0; i < 4; i++) {
				assertThat(client.next().payload()).as("echo %d", i + 1).hasSize(1000);
			}
			for (int i = 0; i < 4; i++) {
				TimeUnit.MILLISECONDS.sleep(500); // the sender's pace: 2 KB a second
				client.send(texts(1, 1000));
				assertThat(client.next().payload()).as("paced echo %d", i + 1).hasSize(1000);
			}
			assertEndsNormally(client);
		}
	}

	@Test
	void aBackendOverTheByteRateGets1008AndTheClient1001() throws Exception {
		try (WsClient client = WsClient.connect(ws("/metered/ws"))) {
			client.sendText("many:10:1000");
			WebSocketCloseStatus status = client.awaitClose();
			assertThat(status.code()).isEqualTo(1001);
			assertThat(status.reasonText()).isEqualTo("backend rate limit");
			assertThat(client.frames).hasSizeBetween(4, 9);
		}
		backend.awaitClose(1008, "rate limit", Duration.ofSeconds(10));
	}

	/**
	 * Exactly {@code expected} messages were relayed to the route's backend since
	 * {@code before}: what passed before the offending one, and not it. (A read's
	 * messages are counted at once, after the scan that judged them.)
	 */
	private void assertMessagesToBackend(PrometheusScrape before, String route, int expected) {
		double[] relayed = new double[1];
		await("messages counted").atMost(Duration.ofSeconds(10)).until(() -> {
			relayed[0] = messagesToBackend(PrometheusScrape.of(this.managementPort), route)
					- messagesToBackend(before, route);
			return relayed[0] >= expected;
		});
		assertThat(relayed[0]).as("messages relayed to the backend").isEqualTo(expected);
	}

	private static double messagesToBackend(PrometheusScrape scrape, String route) {
		return scrape.value("switchboard_tunnel_messages_total", "route=" + route, "direction=to_backend");
	}

	/** {@code count} text messages of {@code size} bytes, in one write. */
	private static byte[] texts(int count, int size) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] frame = RawWebSocket.clientFrame(true, 0x1, "m".repeat(size).getBytes(StandardCharsets.US_ASCII));
		for (int i = 0; i < count; i++) {
			out.writeBytes(frame);
		}
		return out.toByteArray();
	}

	/** The client closes with 1000 and gets the backend's 1000 back: no 1008. */
	private static void assertEndsNormally(RawWebSocket client) throws IOException {
		client.send(RawWebSocket.clientFrame(true, 0x8, RawWebSocket.closePayload(1000, "done")));
		Frame close = client.nextClose();
		assertThat(close).isNotNull();
		assertThat(close.closeCode()).isEqualTo(1000);
	}

}

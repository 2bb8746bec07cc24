package dev.switchboard.upgrade;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.TestBackendRequests;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed handshakes are answered at the edge, never forwarded, and harm nobody else.
 */
class HandshakeValidationTest extends GatewayTest {

	static final String UPGRADE = "Upgrade: websocket";

	static final String CONNECTION = "Connection: Upgrade";

	static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

	static final String VERSION = "Sec-WebSocket-Version: 13";

	@AfterEach
	void othersAreStillServed() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws"))) {
			client.sendText("still here");
			assertThat(client.nextText()).isEqualTo("still here");
		}
	}

	@Test
	void notGetIsRefusedWith400() throws Exception {
		String head = exchange("POST /ws?post HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n" + UPGRADE + "\r\n"
				+ CONNECTION + "\r\n" + KEY + "\r\n" + VERSION + "\r\n\r\n");
		assertThat(head).startsWith("HTTP/1.1 400 ");
		assertNotForwarded("/ws?post");
	}

	@Test
	void missingKeyIsRefusedWith400() throws Exception {
		String head = exchange(RawHttp.handshake("/ws?nokey", UPGRADE, CONNECTION, VERSION));
		assertThat(head).startsWith("HTTP/1.1 400 ");
		assertNotForwarded("/ws?nokey");
	}

	@Test
	void keyThatIsNotSixteenBytesIsRefusedWith400() throws Exception {
		assertThat(exchange(RawHttp.handshake("/ws", UPGRADE, CONNECTION, VERSION, "Sec-WebSocket-Key: c2hvcnQ=")))
			.startsWith("HTTP/1.1 400 ");
		assertThat(exchange(
				RawHttp.handshake("/ws", UPGRADE, CONNECTION, VERSION, "Sec-WebSocket-Key: !!!!not-base64-at-all!!!!")))
			.startsWith("HTTP/1.1 400 ");
	}

	@Test
	void theRefusalSaysWhyInOneLine() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake("/ws", UPGRADE, CONNECTION, VERSION));
			String head = raw.readHead();
			int length = Integer.parseInt(head.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
			String body = new String(raw.readUpTo(length), StandardCharsets.UTF_8);
			assertThat(body).isEqualTo("Sec-WebSocket-Key must be one base64-encoded 16-byte value\n");
		}
	}

	@Test
	void wrongVersionIsRefusedWith426NamingVersion13() throws Exception {
		String head = exchange(RawHttp.handshake("/ws?v8", UPGRADE, CONNECTION, KEY, "Sec-WebSocket-Version: 8"));
		assertThat(head).startsWith("HTTP/1.1 426 ");
		assertThat(head).containsIgnoringCase("Sec-WebSocket-Version: 13");
		assertNotForwarded("/ws?v8");
	}

	@Test
	void garbageInsteadOfHttpGets400AndAClosedConnection() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			byte[] garbage = new byte[512];
			for (int i = 0; i < garbage.length; i++) {
				garbage[i] = (byte) (i * 31 + 7);
			}
			raw.send(garbage);
			String answer = new String(raw.readUpTo(4096), StandardCharsets.ISO_8859_1);
			assertThat(answer).satisfiesAnyOf((a) -> assertThat(a).startsWith("HTTP/1.1 400"),
					(a) -> assertThat(a).isEmpty());
			assertThat(raw.awaitClosedByPeer()).isTrue();
		}
	}

	@Test
	void twentyKilobytesOfHeadersAreRefused() throws Exception {
		String big = "X-Big: " + "a".repeat(20 * 1024);
		String head = exchange(RawHttp.handshake("/ws?big", UPGRADE, CONNECTION, KEY, VERSION, big));
		assertThat(head).matches("(?s)HTTP/1.1 (431|400) .*");
	}

	private String exchange(String request) throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(request);
			return raw.readHead();
		}
	}

	/**
	 * Proves the request did not reach the backend: a marker request sent after it
	 * arrives first.
	 */
	private void assertNotForwarded(String uri) throws Exception {
		try (WsClient marker = WsClient.connect(ws("/ws?marker-after-" + uri.hashCode()))) {
			TestBackendRequests.assertNextIsMarker(backend, uri, "/ws?marker-after-" + uri.hashCode());
		}
	}

}

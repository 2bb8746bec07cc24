package dev.switchboard.forwarded;

import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With no trusted proxies (the default), the gateway states the facts and ignores claims.
 */
class ForwardedHeadersTest extends GatewayTest {

	@Test
	void backendsLearnTheClientOnHandshakes() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws?fwd"), (h) -> h.set("Host", "chat.example:8443"))) {
			client.sendText("x");
			client.nextText();
		}
		HttpHeaders seen = backend.awaitRequest("/ws?fwd").headers();
		assertThat(seen.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
		assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("http");
		assertThat(seen.get("X-Forwarded-Host")).isEqualTo("chat.example:8443");
		assertThat(seen.get("X-Forwarded-Port")).isEqualTo(String.valueOf(this.port));
		assertThat(seen.get("Host")).isEqualTo("chat.example:8443");
	}

	@Test
	void backendsLearnTheClientOnPlainHttp() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /http/fwd HTTP/1.1\r\nHost: api.example\r\n\r\n");
			assertThat(raw.readHead()).startsWith("HTTP/1.1 200 ");
		}
		HttpHeaders seen = backend.awaitRequest("/http/fwd").headers();
		assertThat(seen.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
		assertThat(seen.get("X-Forwarded-Host")).isEqualTo("api.example");
		assertThat(seen.get("Host")).isEqualTo("api.example");
	}

	@Test
	void claimsFromAnUntrustedPeerAreReplaced() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /http/spoof HTTP/1.1\r\nHost: api.example\r\nX-Forwarded-For: 6.6.6.6\r\n"
					+ "X-Forwarded-Proto: https\r\nForwarded: for=6.6.6.6\r\n\r\n");
			assertThat(raw.readHead()).startsWith("HTTP/1.1 200 ");
		}
		HttpHeaders seen = backend.awaitRequest("/http/spoof").headers();
		assertThat(seen.get("X-Forwarded-For")).isEqualTo("127.0.0.1");
		assertThat(seen.get("X-Forwarded-Proto")).isEqualTo("http");
		assertThat(seen.contains("Forwarded")).isFalse();
	}

}

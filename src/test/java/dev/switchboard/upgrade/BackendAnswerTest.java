package dev.switchboard.upgrade;

import java.time.Duration;

import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.netty.http.client.WebsocketClientSpec;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The client sees exactly what the backend answered to its handshake. */
class BackendAnswerTest extends GatewayTest {

	static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

	@ParameterizedTest
	@ValueSource(ints = { 401, 403, 404, 429, 503 })
	void refusalsAreRelayedWithStatusBodyAndHeaders(int status) throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake("/reject/" + status, "Upgrade: websocket", "Connection: Upgrade", KEY,
					"Sec-WebSocket-Version: 13"));
			String head = raw.readHead();
			assertThat(head).startsWith("HTTP/1.1 " + status + " ");
			assertThat(head).containsIgnoringCase("WWW-Authenticate: Bearer realm=\"switchboard-test\"");
			assertThat(head).containsIgnoringCase("Retry-After: 7");
			String body = new String(raw.readUpTo(("refused with " + status).length()));
			assertThat(body).isEqualTo("refused with " + status);
		}
	}

	@Test
	void acceptanceCarriesTheBackendsHeadersAndAValidAccept() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws/cookie"))) {
			HttpHeaders headers = client.handshakeHeaders();
			assertThat(headers.getAll("Set-Cookie")).containsExactly("backend=b1; Path=/");
			// the route's own response filters apply to the 101 as to any response
			assertThat(headers.get("X-Served-By")).isEqualTo("switchboard");
			client.sendText("after cookie");
			assertThat(client.nextText()).isEqualTo("after cookie");
		}
	}

	@Test
	void theBackendsAcceptHeaderMatchesTheClientsKey() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake("/ws", "Upgrade: websocket", "Connection: Upgrade", KEY,
					"Sec-WebSocket-Version: 13"));
			String head = raw.readHead();
			assertThat(head).startsWith("HTTP/1.1 101 ");
			// RFC 6455's own example: this key must give this accept value.
			assertThat(head).containsIgnoringCase("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
			assertThat(head).containsIgnoringCase("Upgrade: websocket");
			assertThat(head).doesNotContainIgnoringCase("Content-Length");
			assertThat(head).doesNotContainIgnoringCase("Transfer-Encoding");
		}
	}

	@Test
	void theBackendsSubprotocolChoiceIsWhatTheClientSees() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws/proto?offer"), (h) -> {
		}, "chat.v1", "chat.v2")) {
			assertThat(client.selectedSubprotocol()).isEqualTo("chat.v2");
			assertThat(backend.awaitRequest("/ws/proto?offer").headers().get("Sec-WebSocket-Protocol"))
				.contains("chat.v1")
				.contains("chat.v2");
		}
	}

	@Test
	void noSubprotocolWhenTheBackendChoosesNone() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake("/ws", "Upgrade: websocket", "Connection: Upgrade", KEY,
					"Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: chat.v1"));
			String head = raw.readHead();
			assertThat(head).startsWith("HTTP/1.1 101 ");
			assertThat(head).doesNotContainIgnoringCase("Sec-WebSocket-Protocol");
		}
	}

	@Test
	void permessageDeflateIsNegotiatedEndToEnd() throws Exception {
		WebsocketClientSpec spec = WebsocketClientSpec.builder().compress(true).build();
		try (WsClient client = WsClient.connect(WsClient.client(), ws("/ws/compressed"), spec)) {
			assertThat(client.handshakeHeaders().get("Sec-WebSocket-Extensions")).contains("permessage-deflate");
			String text = "compress me ".repeat(1000);
			client.sendText(text);
			assertThat(client.nextText()).isEqualTo(text);
		}
	}

	@Test
	void aBackendThatSwitchesProtocolsOnPlainHttpIsRefused() throws Exception {
		String status = WsClient.client()
			.responseTimeout(Duration.ofSeconds(10))
			.get()
			.uri(http("/switch"))
			.response()
			.map((response) -> String.valueOf(response.status().code()))
			.block(Duration.ofSeconds(15));
		assertThat(status).isEqualTo("502");
	}

}

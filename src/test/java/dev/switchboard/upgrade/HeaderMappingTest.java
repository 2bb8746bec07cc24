package dev.switchboard.upgrade;

import java.time.Duration;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.TestLoops;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Upgrade headers go upstream exactly when the client asked for an upgrade, over
 * HTTP/1.1.
 */
class HeaderMappingTest extends GatewayTest {

	static final String KEY = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";

	static final String VERSION = "Sec-WebSocket-Version: 13";

	@ParameterizedTest
	@CsvSource(delimiter = '|', value = { "websocket|Upgrade", "WebSocket|upgrade", "WEBSOCKET|keep-alive, Upgrade",
			"websocket, foo|Upgrade,keep-alive" })
	void anySpellingAndTokenListIsAnUpgrade(String upgrade, String connection) throws Exception {
		String marker = "/ws?spelling=" + Math.abs((upgrade + connection).hashCode());
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake(marker, "Upgrade: " + upgrade, "Connection: " + connection, KEY, VERSION));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 101 ");
		}
		TestBackend.Request request = backend.awaitRequest(marker);
		assertThat(request.version()).isEqualTo("HTTP/1.1");
		assertThat(request.headers().get("Upgrade")).isEqualTo("websocket");
		assertThat(request.headers().get("Connection")).isEqualTo("upgrade");
	}

	@Test
	void upgradeWithoutConnectionUpgradeIsPlainHttp() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake("/http/not-an-upgrade", "Upgrade: websocket", "Connection: keep-alive", KEY,
					VERSION));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 200 ");
		}
		HttpHeaders seen = backend.awaitRequest("/http/not-an-upgrade").headers();
		assertThat(seen.contains("Upgrade")).isFalse();
		assertThat(seen.get("Connection", "")).doesNotContainIgnoringCase("upgrade");
	}

	@Test
	void plainHttpOnTheSameRouteCarriesNoUpgradeHeadersAndKeepsItsConnection() throws Exception {
		ConnectionProvider oneConnection = ConnectionProvider.create("one", 1);
		try {
			HttpClient client = HttpClient.create(oneConnection)
				.runOn(TestLoops.LOOPS)
				.responseTimeout(Duration.ofSeconds(10));
			List<String> localPorts = Flux.range(0, 3).concatMap((i) -> client.doOnConnected((c) -> {
			}).get().uri(http("/http/keepalive-" + i)).responseConnection((response, connection) -> {
				String local = String.valueOf(connection.channel().localAddress());
				return connection.inbound().receive().aggregate().asString().map((body) -> local);
			})).collectList().block(Duration.ofSeconds(15));
			// Three requests, one client connection: keep-alive survived each answer.
			assertThat(localPorts).hasSize(3).containsOnly(localPorts.get(0));
		}
		finally {
			oneConnection.disposeLater().block(Duration.ofSeconds(5));
		}
		for (int i = 0; i < 3; i++) {
			TestBackend.Request request = backend.awaitRequest("/http/keepalive-" + i);
			assertThat(request.version()).isEqualTo("HTTP/1.1");
			assertThat(request.headers().contains("Upgrade")).isFalse();
			assertThat(request.headers().get("Connection", "")).doesNotContainIgnoringCase("upgrade");
		}
	}

	@Test
	void aRouteCanSpellTheUpgradeHeadersForACaseSensitiveBackend() throws Exception {
		try (WsClient client = WsClient.connect(ws("/spelled/ws?spelled"))) {
			client.sendText("spelled");
			assertThat(client.nextText()).isEqualTo("spelled");
		}
		TestBackend.Request request = backend.awaitRequest("/ws?spelled");
		assertThat(request.headers().get("Upgrade")).isEqualTo("WebSocket");
		assertThat(request.headers().get("Connection")).isEqualTo("Upgrade");
	}

	@Test
	void handshakeHeadersOtherThanHopByHopReachTheBackend() throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws?custom"),
				(h) -> h.set("X-Request-Id", "r-42")
					.set("Authorization", "Bearer t")
					.set("Origin", "https://app.example"))) {
			client.sendText("x");
			client.nextText();
		}
		HttpHeaders seen = backend.awaitRequest("/ws?custom").headers();
		assertThat(seen.get("X-Request-Id")).isEqualTo("r-42");
		assertThat(seen.get("Authorization")).isEqualTo("Bearer t");
		assertThat(seen.get("Origin")).isEqualTo("https://app.example");
		assertThat(seen.get("Sec-WebSocket-Version")).isEqualTo("13");
		assertThat(seen.get("Sec-WebSocket-Key")).isNotBlank();
	}

}

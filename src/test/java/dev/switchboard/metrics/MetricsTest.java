package dev.switchboard.metrics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;

import dev.switchboard.support.GatewayTest;
import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What operators see in Prometheus, read the way Prometheus reads it: over HTTP, from the
 * management port.
 */
@ExtendWith(OutputCaptureExtension.class)
class MetricsTest extends GatewayTest {

	static final String UPGRADES = "switchboard_upgrades_total";

	@LocalManagementPort
	int managementPort;

	@Test
	void everyHandshakeOutcomeIsCountedExactlyOnceWithItsTags() throws Exception {
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		for (int i = 0; i < 3; i++) {
			try (WsClient client = WsClient.connect(ws("/ws?metrics"))) {
				client.sendText("m");
				client.nextText();
			}
		}
		for (int i = 0; i < 2; i++) {
			raw("/ws", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13"); // no
																									// key
			raw("/ws", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
					"Sec-WebSocket-Version: 8");
			raw("/reject/403", handshake());
			raw("/refused/x", handshake());
			raw("/silent/x", handshake());
		}
		PrometheusScrape after = PrometheusScrape.of(this.managementPort);
		assertGrew(before, after, 3, UPGRADES, "route=echo", "outcome=success", "status=101");
		assertGrew(before, after, 2, UPGRADES, "route=echo", "outcome=invalid_request", "status=400");
		assertGrew(before, after, 2, UPGRADES, "route=echo", "outcome=invalid_request", "status=426");
		assertGrew(before, after, 2, UPGRADES, "route=echo", "outcome=rejected_by_backend", "status=403");
		assertGrew(before, after, 2, UPGRADES, "route=refused", "outcome=backend_unavailable", "status=502");
		assertGrew(before, after, 2, UPGRADES, "route=silent", "outcome=backend_timeout", "status=504");
		assertGrew(before, after, 3, "switchboard_handshake_duration_seconds_count", "route=echo", "outcome=success");
		assertThat(after.value("switchboard_handshake_duration_seconds_bucket", "route=echo", "outcome=success",
				"le=+Inf"))
			.isGreaterThanOrEqualTo(3);
	}

	/**
	 * A route URI without a port names its instance with the scheme's port, never
	 * {@code host:-1}.
	 */
	@Test
	void anInstanceWithoutAPortIsNamedWithItsSchemesDefaultPort(CapturedOutput output) throws Exception {
		raw("/portless-ws/x", handshake());
		raw("/portless-https/x", handshake());
		assertThat(awaitLine(output, "route=portless-ws ")).contains(" instance=127.0.0.1:80 ");
		assertThat(awaitLine(output, "route=portless-https ")).contains(" instance=127.0.0.1:443 ");
		assertThat(output.getOut()).doesNotContain(":-1");
	}

	@Test
	void theOpenTunnelGaugeFollowsTunnels() throws Exception {
		String instance = "backend_instance=127.0.0.1:" + backend.port();
		DoubleSupplier open = () -> PrometheusScrape.of(this.managementPort)
			.value("switchboard_tunnels_open", "route=echo", instance);
		double baseline = open.getAsDouble();
		List<WsClient> clients = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			clients.add(WsClient.connect(ws("/ws?gauge")));
		}
		assertThat(open.getAsDouble()).isEqualTo(baseline + 4);
		for (WsClient client : clients) {
			client.sendClose(1000, "bye");
			client.awaitClose();
			client.close();
		}
		awaitValue(open, baseline);
	}

	@Test
	void closesAreCountedByInitiatorAndCodeAndTrafficByDirection() throws Exception {
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		try (WsClient client = WsClient.connect(ws("/ws?closes"))) {
			client.sendText("hello");
			client.nextText();
			client.sendText("close:4001:bye");
			assertThat(client.awaitClose().code()).isEqualTo(4001);
		}
		awaitValue(() -> PrometheusScrape.of(this.managementPort)
			.value("switchboard_tunnel_closes_total", "route=echo", "initiator=backend", "code=4xxx")
				- before.value("switchboard_tunnel_closes_total", "route=echo", "initiator=backend", "code=4xxx"), 1);
		PrometheusScrape after = PrometheusScrape.of(this.managementPort);
		assertGrew(before, after, 2, "switchboard_tunnel_messages_total", "route=echo", "direction=to_backend");
		assertGrew(before, after, 1, "switchboard_tunnel_messages_total", "route=echo", "direction=to_client");
		// "hello" (5 bytes) and "close:4001:bye" (14) from the client, with 6-byte masked
		// headers; its answer to the backend's close (11 bytes) is relayed only if the
		// backend has not hung up yet.
		double toBackend = after.value("switchboard_tunnel_bytes_total", "route=echo", "direction=to_backend")
				- before.value("switchboard_tunnel_bytes_total", "route=echo", "direction=to_backend");
		assertThat(toBackend).isIn(11.0 + 20, 11.0 + 20 + 11);
		// "hello" echoed (2 + 5) and the close frame 4001 "bye" (2 + 2 + 3)
		assertThat(after.value("switchboard_tunnel_bytes_total", "route=echo", "direction=to_client")
				- before.value("switchboard_tunnel_bytes_total", "route=echo", "direction=to_client"))
			.isEqualTo(7 + 7);
	}

	@Test
	void aTunnelsAccessLogLineCarriesItsCloseCodeAndBytes(CapturedOutput output) throws Exception {
		try (WsClient client = WsClient.connect(ws("/ws?accesslog"))) {
			client.sendText("0123456789");
			client.nextText();
			client.sendText("close:4003:done");
			client.awaitClose();
		}
		String line = awaitLine(output, "WebSocket tunnel closed kind=tunnel route=echo");
		assertThat(line).contains("upgrade_requested=true", "upgraded=true", "status=101", "close_code=4003",
				"close_initiator=backend", "bytes_to_backend=", "bytes_to_client=", "handshake_ms=", "tunnel_ms=");
		assertThat(line).containsPattern("bytes_to_client=(1[0-9]|[2-9][0-9])");
	}

	@Test
	void plainRequestsAndRefusedHandshakesGetALineToo(CapturedOutput output) throws Exception {
		raw("/reject/401", handshake());
		assertThat(awaitLine(output, "WebSocket handshake rejected_by_backend")).contains("status=401",
				"upgrade_requested=true", "upgraded=false", "path=/reject/401");
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /http/logged HTTP/1.1\r\nHost: x\r\n\r\n");
			raw.readHead();
		}
		assertThat(awaitLine(output, "path=/http/logged")).contains("kind=http", "route=echo", "status=200",
				"upgrade_requested=false");
	}

	@Test
	void managementEndpointsAreNotOnThePublicPort() throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send("GET /actuator/prometheus HTTP/1.1\r\nHost: x\r\n\r\n");
			assertThat(raw.readHead()).startsWith("HTTP/1.1 404");
		}
		for (String path : new String[] { "/actuator/health/liveness", "/actuator/health/readiness", "/actuator/info",
				"/actuator/gateway/routes" }) {
			String status = WsClient.client()
				.get()
				.uri("http://127.0.0.1:" + this.managementPort + path)
				.response()
				.map((r) -> String.valueOf(r.status().code()))
				.block(Duration.ofSeconds(10));
			assertThat(status).as(path).isEqualTo("200");
		}
	}

	private static String[] handshake() {
		return new String[] { "Upgrade: websocket", "Connection: Upgrade",
				"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13" };
	}

	private void raw(String path, String... headers) throws Exception {
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(RawHttp.handshake(path, headers));
			assertThat(raw.readHead()).startsWith("HTTP/1.1 ");
		}
	}

	private static void assertGrew(PrometheusScrape before, PrometheusScrape after, double by, String name,
			String... labels) {
		assertThat(after.value(name, labels) - before.value(name, labels)).as(name + " " + String.join(",", labels))
			.isEqualTo(by);
	}

	/**
	 * Tunnel ends are observed asynchronously: waits at most ten seconds for the value.
	 */
	private static void awaitValue(DoubleSupplier value, double expected) {
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(value.getAsDouble()).isEqualTo(expected));
	}

	/**
	 * The first log line containing {@code marker}, waiting at most ten seconds for it.
	 */
	static String awaitLine(CapturedOutput output, String marker) {
		return await("a log line containing '" + marker + "'").atMost(Duration.ofSeconds(10))
			.until(() -> output.getOut().lines().filter((line) -> line.contains(marker)).findFirst(),
					Optional::isPresent)
			.get();
	}

}

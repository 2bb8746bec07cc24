package dev.switchboard.limits;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.PrometheusScrape;
import dev.switchboard.support.RawHttp;
import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.UnresponsivePorts;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Admission control through real sockets: handshakes waiting on a backend that never
 * answers fill the route's {@code max-handshakes-in-flight}; the next one is shed at once
 * with 503 and {@code Retry-After}, counted as {@code overload}, while a route with the
 * default limit keeps opening tunnels; a slot is back as soon as a waiting client leaves.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class AdmissionControlTest {

	static final TestBackend backend = new TestBackend();

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) throws IOException {
		Routes routes = new Routes(registry);
		routes.add("crowded", "ws://127.0.0.1:" + UnresponsivePorts.silent(), "Path=/crowded/**")
			.metadata("switchboard.max-handshakes-in-flight", "2")
			.metadata("switchboard.handshake-timeout", "30s");
		routes.add("open", "ws://127.0.0.1:" + backend.port(), "Path=/open/**").filter("StripPrefix=1");
	}

	@AfterAll
	static void stop() {
		backend.close();
	}

	@Test
	void handshakesBeyondTheLimitAreShedAtOnceWhileOtherRoutesCarryOn(CapturedOutput output) throws Exception {
		PrometheusScrape before = PrometheusScrape.of(this.managementPort);
		List<RawHttp> waiting = new ArrayList<>();
		try {
			for (int i = 0; i < 2; i++) {
				RawHttp raw = new RawHttp(this.port);
				waiting.add(raw);
				raw.send(handshake("/crowded/ws"));
			}
			await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 2);
			long start = System.nanoTime();
			String head = answer("/crowded/ws");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered at once, not queued")
				.isLessThan(Duration.ofSeconds(2));
			assertThat(head).startsWith("HTTP/1.1 503").containsPattern("Retry-After: [12]\r\n");
			try (WsClient other = WsClient.connect("ws://127.0.0.1:" + this.port + "/open/ws")) {
				other.sendText("still served");
				assertThat(other.nextText()).isEqualTo("still served");
			}
			PrometheusScrape after = PrometheusScrape.of(this.managementPort);
			String[] labels = { "route=crowded", "outcome=refused_by_policy", "status=503", "reason=overload" };
			assertThat(after.value("switchboard_upgrades_total", labels)
					- before.value("switchboard_upgrades_total", labels))
				.isEqualTo(1);
			assertThat(output.getOut()).contains("Shed 1 WebSocket handshake(s) with 503")
				.contains("limit 2 (max-handshakes-in-flight)");
		}
		finally {
			for (RawHttp raw : waiting) {
				raw.close();
			}
		}
		await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 0);
		try (RawHttp raw = new RawHttp(this.port)) {
			raw.send(handshake("/crowded/ws"));
			await().atMost(Duration.ofSeconds(10)).until(() -> inFlight() == 1);
		}
	}

	private double inFlight() {
		return PrometheusScrape.of(this.managementPort).value("switchboard_handshakes_in_flight");
	}

	private String answer(String path) throws IOException {
		return RawHttp.head(this.port, handshake(path), Duration.ofSeconds(10));
	}

	private static String handshake(String path) {
		return RawHttp.webSocketHandshake(path);
	}

}
